import { describe, expect, it } from 'vitest';
import { resourceSecretNames } from './secrets.ts';

describe('resourceSecretNames', () => {
  it('names passwords, keys and URLs with credentials, and nothing else', () => {
    const env = {
      DATABASE_URL: 'postgres://slipway:s3cr3t@127.0.0.1:5433/slipway',
      PGHOST: '127.0.0.1',
      PGPORT: '5433',
      PGUSER: 'slipway',
      PGPASSWORD: 's3cr3t',
      PGDATABASE: 'slipway',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_BUCKET: 'slipway',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    expect(resourceSecretNames(env)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DATABASE_URL', 'PGPASSWORD']);
  });

  it('treats a URL without a password and a non-URL value as plain', () => {
    expect(resourceSecretNames({ CACHE_URL: 'redis://cache@127.0.0.1:6379', NOTE: 'user:pass is not a URL' })).toEqual([]);
  });

  it('catches an API token by its name', () => {
    expect(resourceSecretNames({ GITHUB_TOKEN: 'ghp_x', HOME: '/root' })).toEqual(['GITHUB_TOKEN']);
  });
});
