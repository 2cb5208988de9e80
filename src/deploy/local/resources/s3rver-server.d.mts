import type S3rver from 's3rver';

export function createS3rver(options: { address: string; port: number; directory: string }): S3rver;
