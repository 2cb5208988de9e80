import { defineConfig } from 'slipway';

export default defineConfig({
  project: 'embark',
  services: {
    backend: {
      package: '@embark/backend',
      port: 7007,
      command: ['node', 'dist/server.js'],
      health: '/healthz',
      readiness: '/readyz',
      uses: ['postgres', 's3'],
      routes: ['/api'],
    },
    frontend: {
      package: '@embark/frontend',
      port: 3000,
      command: ['node', 'dist/server.js'],
      health: '/healthz',
      routes: ['/'],
    },
  },
  // A shared library is used everywhere: it gets a stricter bar than the whole repository. And
  // what a merge brings in must be tested: 80 % of its changed lines.
  coverage: { lines: 80, packages: { '@embark/shared': { lines: 90 } }, changedLines: 80 },
  browserTests: { package: '@embark/frontend' },
  integration: { package: '@embark/backend' },
  environments: {
    nonprod: { namespace: 'embark-nonprod', host: 'nonprod.embark.local' },
    staging: { namespace: 'embark-staging', host: 'staging.embark.local' },
    prod: { namespace: 'embark-prod', host: 'embark.local', gate: 'manual' },
  },
  smoke: [
    { name: 'home page', path: '/', contains: 'Embark' },
    { name: 'api health', path: '/api/health', status: 200 },
    { name: 'status shows ok', path: '/', browser: { selector: '#status', text: 'ok' } },
  ],
  stability: { windowSeconds: 3 },
  // The example's dependencies are whatever the registry holds today, and advisories are published
  // every week: the demo lists what the scan finds without failing on it, so the quick start stays
  // green. A repository of yours keeps the default gate, 'high'.
  security: { failOn: 'none' },
});
