import { configSchema, type Config } from '../config/schema.ts';
import type { ReleaseManifest } from '../release/manifest.ts';

/** A configuration shaped like examples/embark: a backend on /api with PostgreSQL and S3, a frontend on /. */
export function embarkConfig(): Config {
  return configSchema.parse({
    project: 'embark',
    services: {
      backend: {
        package: '@embark/backend',
        port: 7007,
        command: ['node', 'dist/index.js'],
        health: '/healthcheck',
        env: { LOG_LEVEL: 'info', FEATURE_SEARCH: 'on' },
        uses: ['postgres', 's3'],
        routes: ['/api'],
        resources: { cpu: '250m', memory: '256Mi' },
      },
      frontend: { package: '@embark/app', port: 3000, command: ['node', 'serve.js'], health: '/healthcheck', routes: ['/'] },
    },
    environments: {
      dev: { namespace: 'embark-dev', host: 'dev.embark.localhost', env: { APP_ENV: 'dev' } },
      prod: { namespace: 'embark-prod', host: 'embark.example.com', replicas: 3, gate: 'manual' },
    },
  });
}

const digest = (seed: string) => `sha256:${seed.repeat(64).slice(0, 64)}`;

export function embarkRelease(): ReleaseManifest {
  const image = (service: string, seed: string) => ({
    repository: `embark/${service}`,
    reference: `127.0.0.1:5000/embark/${service}@${digest(seed)}`,
    digest: digest(seed),
    size: 1234,
    tags: ['1.5.0', `sha-${'c'.repeat(40)}`],
  });
  return {
    schemaVersion: 1,
    project: 'embark',
    commit: 'c'.repeat(40),
    version: '1.5.0',
    tag: 'v1.5.0',
    changelog: '## 1.5.0\n\n- Search',
    createdAt: '2026-01-02T03:04:05.000Z',
    registry: '127.0.0.1:5000',
    images: { backend: image('backend', 'a'), frontend: image('frontend', 'b') },
    packages: { '@embark/backend': '1.5.0', '@embark/app': '1.5.0' },
  };
}
