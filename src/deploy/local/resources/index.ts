export type { RunningResource } from './types.ts';
export { startPostgres } from './postgres.ts';
export { startS3 } from './s3.ts';
export { startResources, stopDetachedResource } from './resources.ts';
export { resourceSecretNames } from './secrets.ts';
