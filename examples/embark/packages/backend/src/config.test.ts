import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from './config.js';

test('readConfig reads connection settings with defaults', () => {
  const config = readConfig({ DATABASE_URL: 'postgres://db/embark', S3_BUCKET: 'notes', S3_ENDPOINT: 'http://s3:9000' });
  assert.deepEqual(config, {
    port: 7007,
    databaseUrl: 'postgres://db/embark',
    s3: { endpoint: 'http://s3:9000', bucket: 'notes', region: 'us-east-1', credentials: undefined },
  });
});

test('readConfig passes explicit credentials and region', () => {
  const config = readConfig({
    PORT: '8080',
    DATABASE_URL: 'postgres://db/embark',
    S3_BUCKET: 'notes',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'key',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
  assert.equal(config.port, 8080);
  assert.deepEqual(config.s3, { endpoint: undefined, bucket: 'notes', region: 'eu-west-1', credentials: { accessKeyId: 'key', secretAccessKey: 'secret' } });
});

test('readConfig names every problem and never echoes secrets', () => {
  assert.throws(() => readConfig({ PORT: 'http', AWS_SECRET_ACCESS_KEY: 'hunter2' }), {
    message:
      'invalid configuration: PORT must be a port number, got "http"; DATABASE_URL is not set; S3_BUCKET is not set; ' +
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together',
  });
});
