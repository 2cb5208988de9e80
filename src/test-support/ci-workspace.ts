import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A two-package npm workspace that builds without a compiler (the build copies src/ to dist/) and
 * tests with node's runner, writing JUnit and lcov where Slipway's defaults expect them:
 * @ci/app depends on @ci/core. Committed on main, node_modules installed.
 */
export async function createCiWorkspace(
  dir: string,
  config: Record<string, unknown> = {},
  /** Files added or replaced (path relative to the root -> content), before install and commit. */
  files: Record<string, string> = {},
): Promise<void> {
  const fixture: Record<string, string> = {
    'package.json': json({ name: 'ci-fixture', private: true, workspaces: ['packages/*'] }),
    '.gitignore': 'node_modules\ndist\nreports\ncoverage\n.slipway\n',
    'build.mjs': "import { cpSync } from 'node:fs';\ncpSync('src', 'dist', { recursive: true });\nconsole.log('built ' + process.cwd());\n",
    'slipway.config.ts': `import { defineConfig } from 'slipway';\nexport default defineConfig(${JSON.stringify({ project: 'ci-fixture', ...config })});\n`,
    'packages/core/package.json': packageJson('@ci/core', {}),
    'packages/core/src/index.js': 'export const double = (n) => n * 2;\n',
    'packages/core/src/index.test.js':
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { double } from './index.js';\ntest('doubles', () => assert.equal(double(2), 4));\n",
    'packages/app/package.json': packageJson('@ci/app', { '@ci/core': '*' }),
    'packages/app/src/index.js': "import { double } from '@ci/core';\nexport const quadruple = (n) => double(double(n));\n",
    'packages/app/src/index.test.js':
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { quadruple } from './index.js';\ntest('quadruples', () => assert.equal(quadruple(2), 8));\n",
  };
  for (const [path, content] of Object.entries({ ...fixture, ...files })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const run = (command: string, ...args: string[]) => execFileSync(command, args, { cwd: dir, stdio: 'pipe' });
  run('npm', 'install', '--offline', '--no-audit', '--no-fund');
  run('git', 'init', '-q', '-b', 'main');
  run('git', 'add', '-A');
  run('git', '-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'fixture');
}

export function packageJson(name: string, dependencies: Record<string, string>): string {
  const test =
    'mkdir -p reports coverage && node --test --experimental-test-coverage --test-reporter=spec --test-reporter-destination=stdout ' +
    '--test-reporter=junit --test-reporter-destination=reports/junit.xml --test-reporter=lcov --test-reporter-destination=coverage/lcov.info dist/';
  return json({
    name,
    version: '1.0.0',
    type: 'module',
    exports: './dist/index.js',
    dependencies,
    scripts: { build: 'node ../../build.mjs', test },
  });
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
