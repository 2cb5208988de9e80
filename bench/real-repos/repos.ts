/**
 * The public monorepos `npm run bench:real` checks Slipway on: none written by this project, none
 * of their code kept here. Each is cloned at the commit named, from the local copy `fetch` brought
 * (/work/.mirror/<owner>+<name>/repo) unless --source names another git repository.
 */

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn';
export type RunnerName = 'vitest' | 'jest' | 'node:test' | 'mocha';

/** A deliberately broken assertion: `find` (which starts at the assertion) becomes `replace`. */
export interface BrokenAssertion {
  file: string;
  find: string;
  replace: string;
  /** The failing test's name, as the runner names it: the feedback must carry it. */
  test: string;
}

export interface RealRepo {
  /** What --repo and the results call it. */
  id: string;
  /** owner/name on GitHub. */
  name: string;
  commit: string;
  packageManager: PackageManagerName;
  runner: RunnerName;
  /** How many workspace packages, for the report. */
  packages: number;
  /** A source file of a package nothing depends on. */
  leafFile: string;
  /** A test file of the lowest package (the one the others build on). */
  lowestTestFile: string;
  broken: BrokenAssertion;
  /**
   * Environment both tools run with: only for what this machine cannot do (it reaches no host
   * but the npm registry), never to change what the repository's scripts do.
   */
  env?: Record<string, string>;
  /**
   * The Node major version the repository's scripts need when this machine's is older: both tools
   * run them with that Node first on PATH (the `node-<platform>-<arch>` package from npm).
   */
  node?: string;
  notes: string[];
}

export const realRepos: readonly RealRepo[] = [
  {
    id: 'solid',
    name: 'solidjs/solid',
    commit: 'f47845f9cc16ecbb316aa6560c7161f45af9a3d8',
    packageManager: 'pnpm',
    runner: 'vitest',
    packages: 5,
    leafFile: 'packages/solid-element/src/index.ts',
    lowestTestFile: 'packages/solid/test/signals.spec.ts',
    broken: {
      file: 'packages/solid/test/signals.spec.ts',
      find: 'expect(value()).toBe(5);',
      replace: 'expect(value()).toBe(6);',
      test: 'Create and read a Signal',
    },
    notes: [
      'pnpm 9.15 (packageManager pin, through corepack); rollup and tsc builds; vitest in solid-js, node scripts elsewhere',
      "its turbo.json orders solid-element's build after solid-js#types and solid-js#link, which are not build steps",
    ],
  },
  {
    id: 'mdx',
    name: 'mdx-js/mdx',
    commit: '685627a819567c0788eadb85f5f57065bcc81c2c',
    packageManager: 'npm',
    runner: 'node:test',
    packages: 9,
    leafFile: 'packages/vue/lib/index.js',
    lowestTestFile: 'packages/remark-mdx/test/index.js',
    broken: {
      file: 'packages/remark-mdx/test/index.js',
      find: "assert.deepEqual(Object.keys(await import('remark-mdx')).sort(), [\n      'default'",
      replace: "assert.deepEqual(Object.keys(await import('remark-mdx')).sort(), [\n      'defaults'",
      test: 'should expose the public api',
    },
    env: { PUPPETEER_SKIP_DOWNLOAD: '1' },
    notes: [
      "PUPPETEER_SKIP_DOWNLOAD=1: the website's puppeteer downloads Chrome from storage.googleapis.com on install, out of reach here",
      'npm workspaces, no package builds (JavaScript with JSDoc types; the root runs tsc --build for types only)',
      'each package: "test": "npm run test-coverage" = c8 --100 --reporter lcov npm run test-api = node test/index.js (node:test)',
      'no turbo.json and no packageManager field: Turborepo gets a minimal turbo.json and the field (without it, it runs the root scripts as one package)',
    ],
  },
  {
    id: 'mobx-yarn',
    name: 'mobxjs/mobx',
    commit: '70762a057a1378c6285f9f7740fbb8487a780264',
    node: '22',
    packageManager: 'yarn',
    runner: 'jest',
    packages: 5,
    leafFile: 'packages/mobx-react/src/index.ts',
    lowestTestFile: 'packages/mobx/__tests__/v5/base/array.js',
    broken: {
      file: 'packages/mobx/__tests__/v5/base/array.js',
      find: 'expect(a.length).toBe(0)',
      replace: 'expect(a.length).toBe(1)',
      test: 'test1',
    },
    env: { YARN_IGNORE_SCRIPTS: 'true' },
    notes: [
      'a commit of 2024-10-15, on Yarn 1 and Lerna (mobx moved to npm in 0e8fbd69, 2026-05-27)',
      "Node 22 for its scripts, as its CI uses: its tests use Set methods and iterator helpers, which this machine's Node 20 lacks",
      "YARN_IGNORE_SCRIPTS=true: the root's prepare script runs npx yarn-deduplicate (which rewrites yarn.lock) and installs website/, whose image tools (gifsicle, ...) download binaries from GitHub, out of reach here",
      'Yarn 1.22 workspaces; rollup builds; jest in each package (mobx through a jest projects file)',
    ],
  },
];

/** The entry for an id from the list. */
export function realRepo(id: string): RealRepo {
  const repo = realRepos.find((candidate) => candidate.id === id);
  if (!repo) throw new Error(`no repository ${id} in bench/real-repos/repos.ts: use one of ${realRepos.map((r) => r.id).join(', ')}`);
  return repo;
}
