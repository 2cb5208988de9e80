import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createCiWorkspace, packageJson } from './ci-workspace.ts';

/**
 * The CI fixture grown to six packages for sharding (core ← util, ui ← app; ui ← web; tools alone),
 * whose build appends the package's name to the file $SHARD_BUILD_LOG names, so a test can count
 * the builds that ran across every shard. Committed on main in `dir`, node_modules installed.
 */
export async function createShardWorkspace(dir: string, config: Record<string, unknown>): Promise<void> {
  const library = (name: string, body: string, test: string) => ({
    [`packages/${name}/src/index.js`]: body,
    [`packages/${name}/src/index.test.js`]: `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n${test}\n`,
  });
  await createCiWorkspace(dir, config, {
    'build.mjs':
      "import { appendFileSync, cpSync, readFileSync } from 'node:fs';\n" +
      "cpSync('src', 'dist', { recursive: true });\n" +
      "const { name } = JSON.parse(readFileSync('package.json', 'utf8'));\n" +
      "if (process.env.SHARD_BUILD_LOG) appendFileSync(process.env.SHARD_BUILD_LOG, name + '\\n');\n",
    'packages/util/package.json': packageJson('@ci/util', { '@ci/core': '*' }),
    ...library(
      'util',
      "import { double } from '@ci/core';\nexport const sextuple = (n) => double(n) * 3;\nexport const unused = (n) => (n > 0 ? n : -n);\n",
      "import { sextuple } from './index.js';\ntest('sextuples', () => assert.equal(sextuple(1), 6));",
    ),
    'packages/ui/package.json': packageJson('@ci/ui', { '@ci/core': '*' }),
    ...library(
      'ui',
      "import { double } from '@ci/core';\nexport const label = (n) => `x${double(n)}`;\n",
      "import { label } from './index.js';\ntest('labels', () => assert.equal(label(2), 'x4'));",
    ),
    'packages/app/package.json': packageJson('@ci/app', { '@ci/util': '*', '@ci/ui': '*', '@ci/core': '*' }),
    'packages/web/package.json': packageJson('@ci/web', { '@ci/ui': '*' }),
    ...library(
      'web',
      "import { label } from '@ci/ui';\nexport const page = (n) => `<p>${label(n)}</p>`;\n",
      "import { page } from './index.js';\ntest('renders', () => assert.equal(page(1), '<p>x2</p>'));",
    ),
    'packages/tools/package.json': packageJson('@ci/tools', {}),
    ...library(
      'tools',
      'export const sum = (values) => values.reduce((total, value) => total + value, 0);\n',
      "import { sum } from './index.js';\ntest('sums', () => assert.equal(sum([1, 2, 3]), 6));",
    ),
  });
}

/** A clone of the workspace at `origin` in `dir`, with its node_modules installed: a fresh runner's checkout. */
export function cloneWorkspace(origin: string, dir: string): string {
  execFileSync('git', ['clone', '-q', origin, dir], { stdio: 'pipe' });
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/** The workspace's package directories, by package name. */
export const shardPackages: Record<string, string> = Object.fromEntries(
  ['core', 'util', 'ui', 'app', 'web', 'tools'].map((name) => [`@ci/${name}`, join('packages', name)]),
);
