import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServiceImageSpec } from '../release/image/build.ts';

/**
 * A tiny npm-workspaces monorepo for image tests: @embark/backend depends on an installed
 * package (with a nested install of its own dependency) and on the workspace package
 * @embark/shared, linked through node_modules as npm does. Dev-only packages are installed too.
 */
export async function createTestWorkspace(root: string): Promise<{ root: string; backendDir: string }> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'embark', private: true, workspaces: ['packages/*'] }),
    'packages/backend/package.json': JSON.stringify({
      name: '@embark/backend',
      version: '1.4.0',
      dependencies: { '@embark/shared': '*', 'left-pad': '^1.0.0' },
      devDependencies: { 'dev-only': '1.0.0' },
    }),
    'packages/backend/src/server.ts': 'export {};\n',
    'packages/backend/dist/server.js':
      "const { greet } = require('@embark/shared');\nconst pad = require('left-pad');\nconsole.log(greet(pad('app', 5)));\n",
    'packages/backend/dist/routes/health.js': 'module.exports = () => 204;\n',
    'packages/backend/dist/server.test.js': "require('./server');\n",
    'packages/backend/dist/server.js.map': '{}',
    'packages/backend/dist/__tests__/helper.js': '',
    'packages/shared/package.json': JSON.stringify({
      name: '@embark/shared',
      version: '1.0.0',
      main: 'dist/index.js',
      dependencies: { ms: '^2.0.0' },
      devDependencies: { 'dev-only': '1.0.0' },
    }),
    'packages/shared/src/index.ts': 'export {};\n',
    'packages/shared/dist/index.js': "const ms = require('ms');\nexports.greet = (name) => `hello ${name} ${ms(60000)}`;\n",
    'packages/shared/dist/index.test.js': '',
    'packages/shared/test/fixture.json': '{}',
    'node_modules/left-pad/package.json': JSON.stringify({
      name: 'left-pad',
      version: '1.3.0',
      main: 'index.js',
      dependencies: { 'pad-core': '2.0.0' },
    }),
    'node_modules/left-pad/index.js': "const core = require('pad-core');\nmodule.exports = (s, n) => core(s, n);\n",
    'node_modules/left-pad/node_modules/pad-core/package.json': JSON.stringify({ name: 'pad-core', version: '2.0.0' }),
    'node_modules/left-pad/node_modules/pad-core/index.js': "module.exports = (s, n) => '.'.repeat(Math.max(0, n - s.length)) + s;\n",
    'node_modules/pad-core/package.json': JSON.stringify({ name: 'pad-core', version: '1.0.0' }),
    'node_modules/pad-core/index.js': 'module.exports = () => { throw new Error("wrong version"); };\n',
    'node_modules/ms/package.json': JSON.stringify({ name: 'ms', version: '2.1.3' }),
    'node_modules/ms/index.js': 'module.exports = (n) => `${n / 60000}m`;\n',
    'node_modules/dev-only/package.json': JSON.stringify({ name: 'dev-only', version: '1.0.0' }),
    'node_modules/dev-only/index.js': '',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await mkdir(join(root, 'node_modules/@embark'), { recursive: true });
  await symlink('../../packages/shared', join(root, 'node_modules/@embark/shared'));
  await symlink('../../packages/backend', join(root, 'node_modules/@embark/backend'));
  return { root, backendDir: join(root, 'packages/backend') };
}

/** The image spec of the test workspace's backend, built under `dir`; tests override what they vary. */
export async function createTestImageSpec(dir: string, overrides: Partial<ServiceImageSpec> = {}): Promise<ServiceImageSpec> {
  const workspace = await createTestWorkspace(join(dir, 'ws'));
  return {
    workspaceRoot: workspace.root,
    packageDir: workspace.backendDir,
    command: ['node', 'dist/server.js'],
    port: 8080,
    env: {},
    labels: { revision: 'abc123', version: '1.4.0' },
    cacheDir: join(dir, 'cache'),
    outDir: join(dir, 'image'),
    ...overrides,
  };
}
