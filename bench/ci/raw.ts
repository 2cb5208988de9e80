/**
 * The "raw" baseline: no tool, no cache. Each package's `npm run build` starts as soon as its
 * dependencies' builds are done and its `npm run test` after its own build, `concurrency` at a time.
 */
import { join } from 'node:path';
import { exec } from '../../src/shared/exec.ts';
import type { MonorepoPlan, PackagePlan } from './plan.ts';

interface Task {
  pkg: PackagePlan;
  script: 'build' | 'test';
}

export interface RawResult {
  code: number;
  /** Every task's output in completion order, or the failed task's output alone. */
  output: string;
}

export async function runRaw(dir: string, plan: MonorepoPlan, concurrency: number): Promise<RawResult> {
  const builtPackages = new Set<string>();
  const unstartedBuilds = [...plan.packages];
  const readyTests: PackagePlan[] = [];
  let unfinished = plan.packages.length * 2;
  let failure: RawResult | undefined;
  let output = '';
  const waiters: (() => void)[] = [];
  const wakeWaiters = () => {
    for (const wake of waiters.splice(0)) wake();
  };

  // Builds first: they unblock other packages, tests unblock nothing.
  const takeReadyTask = (): Task | undefined => {
    const index = unstartedBuilds.findIndex((pkg) => pkg.deps.every((dep) => builtPackages.has(dep)));
    if (index >= 0) return { pkg: unstartedBuilds.splice(index, 1)[0], script: 'build' };
    const pkg = readyTests.shift();
    return pkg && { pkg, script: 'test' };
  };

  const worker = async () => {
    while (!failure && unfinished > 0) {
      const task = takeReadyTask();
      if (!task) {
        await new Promise<void>((resolve) => waiters.push(resolve));
        continue;
      }
      const result = await exec('npm', ['run', task.script], { cwd: join(dir, 'packages', task.pkg.dir) });
      const log = `> ${task.pkg.name}:${task.script}\n${result.output}`;
      if (result.code !== 0) failure ??= { code: result.code, output: log };
      output += log;
      if (task.script === 'build') {
        builtPackages.add(task.pkg.name);
        readyTests.push(task.pkg);
      }
      unfinished--;
      wakeWaiters();
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  return failure ?? { code: 0, output };
}
