/**
 * The files of the synthetic monorepo, as text. Each package gets a few real modules (numbers,
 * text, collections, a small ledger class) so tsc does real work, an index that imports and calls
 * its dependencies, and node:test tests that exercise all of it. The tests are JavaScript in test/,
 * apart from the sources (as in most repositories): editing one is not a source change, and a
 * tool whose build inputs leave tests out rebuilds nothing for it. Pure: paths to contents.
 */
import type { MonorepoPlan, PackagePlan } from './plan.ts';

export type FileMap = Record<string, string>;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Node's own runner over test/: spec to the log, JUnit and lcov to the files Slipway's config names. */
export const testScript = [
  'mkdir -p reports coverage &&',
  'node --test --experimental-test-coverage',
  '--test-reporter=spec --test-reporter-destination=stdout',
  '--test-reporter=junit --test-reporter-destination=reports/junit.xml',
  '--test-reporter=lcov --test-reporter-destination=coverage/lcov.info',
  'test/',
].join(' ');

/**
 * What each package's scripts do: 'real' compiles with tsc and runs the node:test tests; 'light'
 * only copies the sources tsc would compile and writes fixed JUnit and lcov reports, in the shell.
 * Light packages cost each tool a process or two and no compiler, so a loaded 2-core machine primes
 * 1,000 of them in minutes: what is left to time is the tools' own work per package (listing,
 * hashing, cache lookups, stamps, replays), the part that grows with the repository.
 */
export type ScriptKind = 'real' | 'light';

const lightJunit =
  '<?xml version="1.0"?><testsuites><testsuite name="light" tests="2" failures="0"><testcase name="builds" classname="light"/><testcase name="reports" classname="light"/></testsuite></testsuites>';
const lightScripts = {
  // dist/text.js carries a source edit, as the benchmark checks after a rebuild.
  build: 'mkdir -p dist && cp src/text.ts dist/text.js && cp src/index.ts dist/index.js',
  test: `mkdir -p reports coverage && printf '${lightJunit}' > reports/junit.xml && printf 'SF:src/numbers.ts\\nDA:1,1\\nDA:2,0\\nend_of_record\\n' > coverage/lcov.info`,
};

/** Each package's tests, relative to the package: what the benchmark's test edits change. */
export const testFile = 'test/index.test.js';

export interface RootOptions {
  npmVersion: string;
  /** Absolute directory of TypeScript, installed by link so `npm install` needs no network. */
  typescriptDir: string;
}

export function rootFiles(options: RootOptions): FileMap {
  return {
    'package.json': json({
      name: 'bench-monorepo',
      private: true,
      type: 'module',
      workspaces: ['packages/*'],
      packageManager: `npm@${options.npmVersion}`,
      devDependencies: { typescript: `file:${options.typescriptDir}` },
    }),
    'tsconfig.base.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        declaration: true,
        sourceMap: true,
        skipLibCheck: true,
        // No @types/node nor the DOM lib: the sources need neither, and they tripled each
        // package's tsc time (100 packages built three times over is what a benchmark run costs).
        lib: ['ES2022'],
        types: [],
      },
    }),
    'turbo.json': json({
      $schema: 'https://turborepo.com/schema.json',
      tasks: {
        // Tests are no input of the build, as Slipway's default task inputs have it.
        build: { dependsOn: ['^build'], inputs: ['$TURBO_DEFAULT$', '!test/**'], outputs: ['dist/**'] },
        test: { dependsOn: ['build'], outputs: ['reports/**', 'coverage/**'] },
      },
    }),
    'slipway.config.ts': [
      "import { defineConfig } from 'slipway';",
      '',
      "export default defineConfig({ project: 'bench', tasks: { outputs: ['dist'] }, coverage: {} });",
      '',
    ].join('\n'),
    '.gitignore': ['node_modules/', 'dist/', 'reports/', 'coverage/', '.turbo/', '.slipway/', ''].join('\n'),
  };
}

/** A package's import binding for a dependency: `@bench/p007` becomes `p007`. */
const binding = (name: string) => name.slice(name.indexOf('/') + 1);

/** Small constants that differ per package, so no two packages compile to the same output. */
function constants(pkg: PackagePlan) {
  const n = Number(pkg.dir.slice(1));
  return { n, factor: (n % 7) + 2, offset: (n * 37) % 101, modulus: 1_000_003 };
}

export function packageFiles(plan: MonorepoPlan, pkg: PackagePlan, scripts: ScriptKind = 'real'): FileMap {
  return {
    'package.json': json({
      name: pkg.name,
      version: '1.0.0',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      scripts: scripts === 'light' ? lightScripts : { build: 'tsc -p tsconfig.json', test: testScript },
      dependencies: Object.fromEntries(pkg.deps.map((dep) => [dep, '*'])),
    }),
    'tsconfig.json': json({
      extends: '../../tsconfig.base.json',
      compilerOptions: { outDir: 'dist', rootDir: 'src' },
      include: ['src'],
    }),
    'src/numbers.ts': numbersModule(pkg),
    'src/text.ts': textModule(pkg),
    'src/collections.ts': collectionsModule(),
    'src/ledger.ts': ledgerModule(pkg),
    'src/index.ts': indexModule(pkg),
    [testFile]: testModule(plan, pkg),
  };
}

function numbersModule(pkg: PackagePlan): string {
  const { factor, offset, modulus } = constants(pkg);
  return `export const FACTOR = ${factor};
export const OFFSET = ${offset};
export const MODULUS = ${modulus};

/** Keeps every derived number bounded however deep the dependency chain is. */
export function bounded(value: number): number {
  return ((Math.trunc(value) % MODULUS) + MODULUS) % MODULUS;
}

export function transform(value: number): number {
  return bounded(value * FACTOR + OFFSET);
}

export function clamp(value: number, min: number, max: number): number {
  if (min > max) throw new RangeError(\`empty range [\${min}, \${max}]\`);
  return Math.min(max, Math.max(min, value));
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function variance(values: readonly number[]): number {
  const average = mean(values);
  return mean(values.map((value) => (value - average) ** 2));
}

export function gcd(a: number, b: number): number {
  let [x, y] = [Math.abs(a), Math.abs(b)];
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

export function fibonacci(n: number): number {
  let [previous, current] = [0, 1];
  for (let i = 0; i < n; i++) [previous, current] = [current, bounded(previous + current)];
  return previous;
}
`;
}

function textModule(pkg: PackagePlan): string {
  return `export const LABEL = '${pkg.dir}';

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function capitalize(word: string): string {
  return word.length === 0 ? word : word[0].toUpperCase() + word.slice(1);
}

export function titleCase(text: string): string {
  return text.split(/\\s+/).filter(Boolean).map(capitalize).join(' ');
}

export function wordCount(text: string): number {
  return text.split(/\\s+/).filter(Boolean).length;
}

export function truncate(text: string, width: number): string {
  return text.length <= width ? text : \`\${text.slice(0, Math.max(0, width - 1))}…\`;
}

export function labelled(text: string): string {
  return \`[\${LABEL}] \${text}\`;
}
`;
}

function collectionsModule(): string {
  return `export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError('chunk size must be at least 1');
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export function groupBy<T, K extends string>(items: readonly T[], key: (item: T) => K): Record<K, T[]> {
  const groups = {} as Record<K, T[]>;
  for (const item of items) (groups[key(item)] ??= []).push(item);
  return groups;
}

export function uniqueBy<T>(items: readonly T[], key: (item: T) => unknown): T[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

export function topN<T>(items: readonly T[], n: number, score: (item: T) => number): T[] {
  return [...items].sort((a, b) => score(b) - score(a)).slice(0, n);
}
`;
}

function ledgerModule(pkg: PackagePlan): string {
  return `import { bounded } from './numbers.js';

export interface Entry {
  readonly account: string;
  readonly amount: number;
  readonly memo?: string;
}

/** An append-only ledger: the kind of small stateful class every package ends up with. */
export class Ledger {
  readonly #entries: Entry[] = [];
  readonly owner = '${pkg.name}';

  record(entry: Entry): this {
    if (!Number.isFinite(entry.amount)) throw new TypeError(\`amount for \${entry.account} is not a number\`);
    this.#entries.push(entry);
    return this;
  }

  balance(account: string): number {
    return this.#entries.filter((entry) => entry.account === account).reduce((sum, entry) => sum + entry.amount, 0);
  }

  accounts(): string[] {
    return [...new Set(this.#entries.map((entry) => entry.account))].sort();
  }

  checksum(): number {
    return this.#entries.reduce((sum, entry, index) => bounded(sum * 31 + entry.amount + index), 7);
  }

  get size(): number {
    return this.#entries.length;
  }
}
`;
}

function indexModule(pkg: PackagePlan): string {
  const deps = pkg.deps.map(binding);
  const imports = deps.map((dep, i) => `import * as ${dep} from '${pkg.deps[i]}';`);
  const depList = deps.length ? `[${deps.join(', ')}]` : '[]';
  return `${imports.join('\n')}${imports.length ? '\n' : ''}import { bounded, transform, mean } from './numbers.js';
import { labelled, slugify } from './text.js';
import { Ledger } from './ledger.js';

export * from './numbers.js';
export * from './text.js';
export * from './collections.js';
export * from './ledger.js';

export const NAME = '${pkg.name}';

interface Dependency {
  NAME: string;
  score(input: number): number;
  depth(): number;
  closure(): string[];
}

const dependencies: Dependency[] = ${depList};

/** This package's number for an input: its own transform plus what each dependency makes of it. */
export function score(input: number): number {
  return bounded(dependencies.reduce((sum, dependency) => sum + dependency.score(input + 1), transform(input)));
}

/** How many levels of packages sit below this one. */
export function depth(): number {
  return dependencies.length === 0 ? 0 : 1 + Math.max(...dependencies.map((dependency) => dependency.depth()));
}

/** Every package this one depends on, directly or not, sorted. */
export function closure(): string[] {
  return [...new Set(dependencies.flatMap((dependency) => [dependency.NAME, ...dependency.closure()]))].sort();
}

export function describe(): string {
  return labelled(\`\${slugify(NAME)} depth \${depth()} uses \${closure().length} packages\`);
}

export function report(inputs: readonly number[]): Ledger {
  const ledger = new Ledger();
  for (const input of inputs) ledger.record({ account: input % 2 === 0 ? 'even' : 'odd', amount: score(input) });
  ledger.record({ account: 'mean', amount: Math.round(mean(inputs.map(score))) });
  return ledger;
}
`;
}

function testModule(plan: MonorepoPlan, pkg: PackagePlan): string {
  const closureSize = closureOf(plan, pkg).length;
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from '../dist/index.js';

test('numbers: transform is bounded and deterministic', () => {
  assert.equal(pkg.transform(1), pkg.transform(1));
  assert.ok(pkg.transform(10 ** 12) < pkg.MODULUS);
  assert.equal(pkg.clamp(15, 0, 10), 10);
  assert.throws(() => pkg.clamp(1, 5, 0), /empty range/);
  assert.equal(pkg.gcd(84, 36), 12);
  assert.equal(pkg.fibonacci(10), 55);
  assert.equal(pkg.variance([2, 4, 4, 4, 5, 5, 7, 9]), 4);
});

test('text: slugs, titles and labels', () => {
  assert.equal(pkg.slugify('  Hello, World!  '), 'hello-world');
  assert.equal(pkg.titleCase('ship it now'), 'Ship It Now');
  assert.equal(pkg.wordCount(' a b  c '), 3);
  assert.equal(pkg.truncate('abcdef', 4), 'abc…');
  assert.equal(pkg.labelled('x'), '[${pkg.dir}] x');
});

test('collections: chunk, group, unique, partition, top', () => {
  assert.deepEqual(pkg.chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(pkg.groupBy(['a1', 'b1', 'a2'], (s) => s[0]), { a: ['a1', 'a2'], b: ['b1'] });
  assert.deepEqual(pkg.uniqueBy([1, 2, 3, 4], (n) => n % 2), [1, 2]);
  assert.deepEqual(pkg.partition([1, 2, 3], (n) => n > 1), [[2, 3], [1]]);
  assert.deepEqual(pkg.topN([3, 1, 2], 2, (n) => n), [3, 2]);
});

test('ledger: balances, accounts and checksum', () => {
  const ledger = new pkg.Ledger().record({ account: 'a', amount: 5 }).record({ account: 'b', amount: 2 }).record({ account: 'a', amount: -1 });
  assert.equal(ledger.balance('a'), 4);
  assert.deepEqual(ledger.accounts(), ['a', 'b']);
  assert.equal(ledger.size, 3);
  assert.equal(ledger.checksum(), new pkg.Ledger().record({ account: 'a', amount: 5 }).record({ account: 'b', amount: 2 }).record({ account: 'a', amount: -1 }).checksum());
  assert.throws(() => ledger.record({ account: 'c', amount: Number.NaN }), /not a number/);
});

test('index: the dependency graph as built', () => {
  assert.equal(pkg.depth(), ${pkg.level});
  assert.equal(pkg.closure().length, ${closureSize});
  ${pkg.level === 0 ? `assert.deepEqual(pkg.closure(), []);` : `assert.ok(pkg.closure().includes('${plan.root.name}'));`}
  assert.match(pkg.describe(), /^\\[${pkg.dir}\\] bench-${pkg.dir} depth ${pkg.level} uses ${closureSize} packages$/);
});

test('index: scores combine the dependencies', () => {
  const scores = [0, 1, 2, 3].map(pkg.score);
  assert.equal(new Set(scores).size, 4);
  for (const value of scores) assert.ok(value >= 0 && value < pkg.MODULUS);
  const ledger = pkg.report([0, 1, 2, 3]);
  assert.equal(ledger.balance('even'), scores[0] + scores[2]);
  assert.deepEqual(ledger.accounts(), ['even', 'mean', 'odd']);
});
`;
}

/** The names a package depends on, directly or not: what its closure() must return. */
function closureOf(plan: MonorepoPlan, pkg: PackagePlan): string[] {
  const byName = new Map(plan.packages.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    for (const dep of byName.get(name)!.deps) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(pkg.name);
  return [...seen];
}
