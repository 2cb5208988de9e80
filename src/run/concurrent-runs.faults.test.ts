import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDemoRepo } from '../demo/demo-repo.ts';
import { exec } from '../shared/exec.ts';
import { waitFor } from '../shared/net.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { pipelineStages } from '../stages/index.ts';
import { sampleManifest } from '../test-support/release-manifest-fixture.ts';

// Two `slipway run`s at once on one repository and home, as real processes. The first holds the
// repository; the second is refused at once, naming the holder. When the first is killed, the next
// run takes the repository over. A resume does not start a release half another process runs.

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const env = { ...process.env, NO_COLOR: '1' };
const contender = fileURLToPath(new URL('../test-support/release-half-contender.ts', import.meta.url));

describe('runs and release halves at once on one repository', () => {
  let work: string;
  let home: string;
  let repoDir: string;
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-concurrent-'));
    home = join(work, 'home');
    ({ repoDir } = await prepareDemoRepo({ parentDir: join(work, 'repos') }));
  });

  afterAll(async () => {
    for (const child of started) killGroup(child, 'SIGKILL');
    await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
    await rm(work, { recursive: true, force: true });
  });

  /** A `slipway run` in its own process group, so it and everything it started can be stopped together. */
  function startRun(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home], { env, detached: true });
    started.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  /** SIGSTOPs the run's group at a moment it holds no write lock on the store, which would block everyone. */
  function stopOutsideWrite(child: ChildProcess): void {
    const store = new RunStore(join(home, 'state.db'));
    try {
      for (;;) {
        killGroup(child, 'SIGSTOP');
        try {
          return store.atomically(() => undefined);
        } catch {
          killGroup(child, 'SIGCONT');
        }
      }
    } finally {
      store.close();
    }
  }

  const runs = () => {
    const store = new RunStore(join(home, 'state.db'));
    try {
      return store.listRuns();
    } finally {
      store.close();
    }
  };

  it('refuses the second with the holder named, and lets a third take over once the first is killed', async () => {
    const first = startRun();
    // A run holds the repository from the moment its record exists (one transaction).
    expect(await waitFor(async () => runs().length === 1, 120_000), first.output()).toBe(true);
    const [holder] = runs();
    // Stopped, not ended: the first still holds the repository while the second tries.
    stopOutsideWrite(first.child);

    const second = await exec(process.execPath, [cli, 'run', '--repo', repoDir, '--home', home], { env, timeoutMs: 120_000 });
    // Not the change's fault: Slipway could not run, exit code 2.
    expect(second.code, second.output).toBe(2);
    expect(second.stderr).toContain(`Slipway could not run: ${repoDir} is already being released by run #${holder.id}`);
    expect(second.stderr).toMatch(new RegExp(`held by run #${holder.id}, process ${first.child.pid}, since \\d{4}-\\d\\d-\\d\\dT`));
    expect(second.stderr).toContain(`wait for run #${holder.id} to end (\`slipway show ${holder.id}\`), then run again`);
    expect(second.output).not.toContain('no pending changesets');
    expect(second.output).not.toContain('Could not determine version');
    expect(runs().map((run) => run.id)).toEqual([holder.id]); // the refused run left no record

    killGroup(first.child, 'SIGKILL');
    await first.exited;
    const third = startRun();
    const tookOver = await waitFor(async () => runs().length === 2, 120_000);
    expect(tookOver, third.output()).toBe(true);
    expect(runs()[0]).toMatchObject({ id: holder.id + 1, status: 'running' });
    expect(third.output()).not.toContain('already being released');
    killGroup(third.child, 'SIGKILL');
    await third.exited;
  });

  it('will not resume a run into a release half that another process is running, and names it', async () => {
    const resumeHome = join(work, 'resume-home');
    const store = new RunStore(join(resumeHome, 'state.db'));
    const commit = (await exec('git', ['-C', repoDir, 'rev-parse', 'HEAD'])).stdout.trim();
    // A run whose CI half is done and whose release half runs elsewhere (a `slipway serve`).
    const run = store.createRun({ project: 'embark', repoDir, commit, branch: 'main', trigger: 'manual' });
    for (const stage of pipelineStages.filter((stage) => stage.phase === 'ci')) {
      store.setStage(run.id, stage.id, 'succeeded', { summary: 'done', outputs: { manifest: sampleManifest('v1.5.0', commit) } });
    }
    store.close();
    const holder = spawn(process.execPath, ['--import', 'tsx', contender, join(resumeHome, 'state.db'), String(run.id), 'v1.5.0'], {
      detached: true,
    });
    started.push(holder);
    let holderOutput = '';
    holder.stdout!.on('data', (chunk) => (holderOutput += chunk));
    expect(await waitFor(async () => holderOutput.includes('"started":true'), 60_000), holderOutput).toBe(true);

    const resume = await exec(process.execPath, [cli, 'resume', String(run.id), '--home', resumeHome], { env, timeoutMs: 120_000 });
    expect(resume.code, resume.output).toBe(2);
    expect(resume.stderr).toMatch(
      new RegExp(`The release half of v1\\.5\\.0 is already running: run #${run.id}, process ${holder.pid}, since \\d{4}-`),
    );
    expect(resume.stderr).toContain(`it carries on there: see \`slipway show ${run.id}\``);
    expect(resume.output).not.toMatch(/✔ integration|▶ integration/);
  });
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
