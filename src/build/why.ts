import { testResultKey } from './checks/replay.ts';
import { buildCaches } from './caches.ts';
import { RunCaches } from './cache/index.ts';
import {
  explainPrerequisiteMiss,
  explainRebuild,
  explainTestMiss,
  prerequisiteKey,
  TaskInputs,
  type MissExplanation,
  type PackageTasks,
  type PackageHash,
  type Prerequisite,
  type TestHash,
} from './workspace/index.ts';
import type { Config } from '../config/schema.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { Home } from '../shared/home.ts';

/**
 * Why a package's build and tests would, or would not, come from this machine's cache at the
 * work tree as it is: `slipway why` prints it, the dashboard API answers it.
 */
export interface PackageWhy {
  /** What `slipway why --json` prints. */
  report: {
    package: string;
    hash: string;
    prerequisites: PrerequisiteExplanation[];
    tests: TestExplanation;
    config: {
      overrides: string[];
      skipped: boolean;
      build: string | null;
      test: string | null;
      buildInputs: string[];
      testInputs: string[];
      prerequisites: Prerequisite[];
    };
  } & MissExplanation;
  plan: TaskInputs;
  explanation: MissExplanation;
  tasks: PackageTasks;
  tests: TestExplanation;
  prerequisites: PrerequisiteExplanation[];
}

export async function explainPackage(opts: {
  repoDir: string;
  home: Home;
  config: Config;
  name: string;
  warn: (message: string) => void;
}): Promise<PackageWhy> {
  const { repoDir, home, config, name } = opts;
  // Only the local cache is asked: `why` explains what this machine would do.
  const caches = buildCaches(home, config, await RunCaches.connect(home.cacheDir), opts.warn);
  const plan = await TaskInputs.read(repoDir, config, caches.compiledTests);
  const { hashes } = plan;
  if (!hashes.has(name)) {
    throw new Failure(`"${name}" is not a package of the workspace at ${repoDir}`, {
      details: [`packages: ${[...hashes.keys()].join(', ')}`],
    });
  }
  const previous = new Map<string, PackageHash | undefined>();
  const cached = new Map<string, boolean>();
  for (const pkg of hashes.keys()) {
    previous.set(pkg, await caches.lastInputs.read('build', pkg));
    cached.set(pkg, await caches.outputs.has(`build-${hashes.get(pkg)!.hash}`));
  }
  const explanation = explainRebuild(
    name,
    hashes,
    (pkg) => previous.get(pkg),
    (pkg) => cached.get(pkg)!,
  );
  const tasks = plan.tasks.get(name)!;
  const tests = await explainTests(plan.tests.get(name)!, tasks, caches);
  const prerequisites = await explainPrerequisites(plan, name, caches);
  const { overrides, skipped, buildInputs, testInputs } = tasks;
  const settings = {
    overrides,
    skipped,
    build: tasks.build?.script ?? null,
    test: tasks.test?.script ?? null,
    buildInputs,
    testInputs,
    prerequisites: plan.prerequisites.get(name) ?? [],
  };
  const report = { package: name, hash: hashes.get(name)!.hash, ...explanation, prerequisites, tests, config: settings };
  return { report, plan, explanation, tasks, tests, prerequisites };
}

export interface TestExplanation {
  /** 'none': no test task; 'hit': a passing result of this key is cached; 'first': no run recorded. */
  verdict: 'none' | 'hit' | 'first' | 'changed';
  key?: string;
  reasons: string[];
  /** Only test inputs changed: its tests re-run, nothing is rebuilt, no dependent's tests re-run. */
  testFilesOnly: boolean;
}

async function explainTests(
  current: TestHash,
  tasks: PackageTasks,
  caches: Pick<ReturnType<typeof buildCaches>, 'tests' | 'lastInputs'>,
): Promise<TestExplanation> {
  if (!tasks.test) return { verdict: 'none', reasons: [], testFilesOnly: false };
  const key = testResultKey([current.hash]);
  if (await caches.tests.has(key)) return { verdict: 'hit', key, reasons: [], testFilesOnly: false };
  const before = await caches.lastInputs.read('test', current.name);
  if (!before) return { verdict: 'first', key, reasons: [], testFilesOnly: false };
  const reasons = explainTestMiss(before.inputs, current.inputs);
  return {
    verdict: 'changed',
    key,
    reasons,
    testFilesOnly: reasons.length > 0 && reasons.every((reason) => reason.startsWith('test input ')),
  };
}

export interface PrerequisiteExplanation {
  /** `pkg#script`. */
  name: string;
  key: string;
  /** 'hit': its outputs of this key are cached; 'first': no run recorded; 'uncached': turbo.json's `"cache": false`. */
  verdict: 'hit' | 'first' | 'changed' | 'uncached';
  reasons: string[];
}

/** Whether each turbo.json prerequisite of the build of `name` would be restored, and if not what changed since it last ran. */
async function explainPrerequisites(
  plan: TaskInputs,
  name: string,
  caches: Pick<ReturnType<typeof buildCaches>, 'outputs' | 'lastInputs'>,
): Promise<PrerequisiteExplanation[]> {
  return Promise.all(
    (plan.prerequisites.get(name) ?? []).map(async ({ package: owner, script, cache }): Promise<PrerequisiteExplanation> => {
      const current = plan.prerequisiteHash(`${owner}#${script}`);
      const key = prerequisiteKey(current.hash);
      if (!cache) return { name: current.name, key, verdict: 'uncached', reasons: [] };
      if (await caches.outputs.has(key)) return { name: current.name, key, verdict: 'hit', reasons: [] };
      const before = await caches.lastInputs.read('prerequisite', current.name);
      if (!before) return { name: current.name, key, verdict: 'first', reasons: [] };
      return { name: current.name, key, verdict: 'changed', reasons: explainPrerequisiteMiss(before, current) };
    }),
  );
}
