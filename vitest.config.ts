import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Fast tests are *.test.ts; tests that start real servers, browsers or whole pipelines are
// *.e2e.test.ts and run in their own project so `npm run test:fast` stays quick. The fault suite,
// *.faults.test.ts (hostile input, broken state, full disks, killed processes), is its own project
// too, so `npm run test:faults` runs it alone.
export default defineConfig({
  plugins: [
    {
      // The parser ships source maps whose sources it does not ship: loaded without them, Vite does
      // not warn once per file.
      name: 'workflow-parser-without-source-maps',
      load: (id) =>
        id.includes('/@actions/workflow-parser/dist/') && id.endsWith('.js')
          ? readFileSync(id, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '')
          : undefined,
    },
  ],
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // GitHub's workflow parser imports its JSON schema without an import attribute, which Node
    // refuses; inlined, Vite loads the JSON for it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['src/**/*.e2e.test.ts', 'src/**/*.faults.test.ts'],
        },
      },
      { extends: true, test: { name: 'e2e', include: ['src/**/*.e2e.test.ts'], fileParallelism: false, testTimeout: 300_000 } },
      { extends: true, test: { name: 'faults', include: ['src/**/*.faults.test.ts'], fileParallelism: false, testTimeout: 300_000 } },
    ],
  },
});
