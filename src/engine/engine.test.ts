import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../shared/feedback/failure.ts';
import { homeAt } from '../shared/home.ts';
import { Redactor } from '../shared/redactor.ts';
import { RunStore } from '../shared/state/run-store.ts';
import type { PipelineEvent } from './events.ts';
import { runStages } from './engine.ts';
import { StageStopped, type EngineContext, type Stage } from './stage.ts';

function stage(id: string, needs: string[], run: (ctx: EngineContext) => Promise<unknown>): Stage {
  return {
    id,
    title: id,
    needs,
    failure: `${id} failed (RFC words)`,
    run: async (ctx) => ({ summary: `${id} done`, outputs: await run(ctx) }),
  };
}

describe('engine', () => {
  let dir: string;
  let store: RunStore;
  let events: PipelineEvent[];
  let redactor: Redactor;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-engine-'));
    store = new RunStore(join(dir, 'state.db'));
    events = [];
    redactor = new Redactor();
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (stages: Stage[], runId?: number, failFast?: boolean) => {
    const run = runId
      ? store.getRun(runId)!
      : store.createRun({ project: 'p', repoDir: dir, commit: 'abc', branch: 'main', trigger: 'test' });
    return runStages({
      store,
      stages,
      listener: (event) => events.push(event),
      context: { run, runDir: homeAt(dir).runDir(run.id), redactor },
      failFast,
    }).then((failures) => ({ run, failures }));
  };

  it('passes outputs along the graph and records every stage', async () => {
    const { run, failures } = await start([
      stage('a', [], async () => ({ n: 1 })),
      stage('b', ['a'], async (ctx) => ({ n: ctx.output<{ n: number }>('a').n + 1 })),
    ]);
    expect(failures).toEqual([]);
    expect(store.stages(run.id).map((s) => [s.stage, s.status, s.outputs])).toEqual([
      ['a', 'succeeded', { n: 1 }],
      ['b', 'succeeded', { n: 2 }],
    ]);
  });

  it('turns a Failure into feedback with the RFC message and runs nothing that needs it', async () => {
    let ranAfter = false;
    const { run, failures } = await start([
      stage('test', [], async () => {
        throw new Failure('2 tests failed in shared', { details: ['"adds" in src/a.test.ts'], hint: 'fix it' });
      }),
      stage('image', ['test'], async () => {
        ranAfter = true;
      }),
      stage('lint', [], async () => 'independent'),
    ]);
    expect(ranAfter).toBe(false);
    expect(failures).toMatchObject([
      {
        stage: 'test',
        message: 'test failed (RFC words)',
        specific: '2 tests failed in shared',
        details: ['"adds" in src/a.test.ts'],
        hint: 'fix it',
      },
    ]);
    expect(store.stage(run.id, 'image')).toMatchObject({ status: 'skipped', summary: 'not run: test did not succeed' });
    expect(store.stage(run.id, 'lint')?.status).toBe('succeeded');
    expect(store.feedback(run.id)).toHaveLength(1);
  });

  it('stops the way forward without a failure when a stage says so', async () => {
    const { run, failures } = await start([
      stage('deploy', [], async () => {
        throw new StageStopped('v1.2.0 was superseded by v1.3.0 in nonprod');
      }),
      stage('smoke', ['deploy'], async () => 'ran'),
    ]);
    expect(failures).toEqual([]);
    expect(store.stage(run.id, 'deploy')).toMatchObject({ status: 'skipped', summary: 'v1.2.0 was superseded by v1.3.0 in nonprod' });
    expect(store.stage(run.id, 'smoke')).toMatchObject({ status: 'skipped', summary: 'not run: deploy did not succeed' });
    expect(store.feedback(run.id)).toEqual([]);
  });

  /** A promise resolved once the listener has seen `stage`'s failure reported. */
  const failureReported = (stage: string) =>
    new Promise<void>((resolve) => {
      const seen = setInterval(() => {
        if (events.some((event) => event.type === 'feedback' && event.feedback.stage === stage)) {
          clearInterval(seen);
          resolve();
        }
      }, 5);
    });
  /** Settles when the stage's stop signal is aborted: rejects as a stopped process's failure would. */
  const stoppedBy = (signal: AbortSignal) =>
    new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('exited with code 143'))));

  it('failing fast, stops the stages running beside a failure (stopped, not failed) and starts no other', async () => {
    let startedAfter = false;
    const { run, failures } = await start(
      [
        stage('packages', [], async () => 'built'),
        stage('unit', ['packages'], async () => {
          throw new Failure('1 test failed in shared');
        }),
        stage('browser', ['packages'], async (ctx) => stoppedBy(ctx.signal)),
        // Ends well after the failure: what was running is not a failure, yet nothing else starts.
        stage('lint', ['packages'], async () => failureReported('unit').then(() => 'clean')),
        stage('audit', ['lint'], async () => {
          startedAfter = true;
        }),
        stage('coverage', ['unit'], async () => 'measured'),
      ],
      undefined,
      true,
    );
    expect(failures.map((failure) => failure.specific)).toEqual(['1 test failed in shared']);
    expect(store.stage(run.id, 'browser')).toMatchObject({ status: 'skipped', summary: 'stopped when unit failed (fail-fast)' });
    expect(store.stage(run.id, 'lint')?.status).toBe('succeeded');
    expect(store.stage(run.id, 'audit')).toMatchObject({ status: 'skipped', summary: 'not run: unit failed (fail-fast)' });
    expect(store.stage(run.id, 'coverage')).toMatchObject({ status: 'skipped', summary: 'not run: unit did not succeed' });
    expect(startedAfter).toBe(false);
    expect(failures.map((feedback) => feedback.stage)).toEqual(['unit']);
    expect(store.feedback(run.id)).toHaveLength(1);
    // The failure reaches the listener before the stopped stage ends: it is not kept for the end of the run.
    const order = events.flatMap((event) =>
      event.type === 'feedback' ? ['unit feedback'] : event.type === 'stage-end' && event.stage === 'browser' ? ['browser end'] : [],
    );
    expect(order).toEqual(['unit feedback', 'browser end']);
  });

  it('without fail-fast, lets the stages beside a failure finish and runs what does not need it', async () => {
    let signalled: boolean | undefined;
    const { run, failures } = await start([
      stage('packages', [], async () => 'built'),
      stage('unit', ['packages'], async () => {
        throw new Failure('1 test failed in shared');
      }),
      stage('browser', ['packages'], async (ctx) =>
        failureReported('unit').then(() => {
          signalled = ctx.signal.aborted;
          return 'passed';
        }),
      ),
      stage('version', ['browser'], async () => 'v1'),
    ]);
    expect(failures).toHaveLength(1);
    expect(signalled).toBe(false);
    expect(store.stage(run.id, 'browser')?.status).toBe('succeeded');
    expect(store.stage(run.id, 'version')?.status).toBe('succeeded');
  });

  it('resumes a run: finished stages are not run again, the interrupted one is', async () => {
    const calls: string[] = [];
    const stages = (crash: boolean) => [
      stage('build', [], async () => {
        calls.push('build');
        return 'built';
      }),
      stage('push', ['build'], async () => {
        calls.push('push');
        if (crash) throw new Error('killed');
        return 'pushed';
      }),
      stage('release', ['push'], async (ctx) => {
        calls.push('release');
        return ctx.output('build');
      }),
    ];
    const first = await start(stages(true));
    expect(first.failures).toHaveLength(1);
    // Simulate a process killed mid-stage: the store says "running".
    store.setStage(first.run.id, 'push', 'running');
    const resumed = await start(stages(false), first.run.id);
    expect(resumed.failures).toEqual([]);
    expect(calls).toEqual(['build', 'push', 'push', 'release']);
    expect(store.stage(first.run.id, 'release')?.outputs).toBe('built');
    expect(events.some((e) => e.type === 'stage-end' && e.stage === 'build' && e.resumed)).toBe(true);
  });

  it('treats needs outside the set as they are stored (the release half after the CI half)', async () => {
    const { run } = await start([stage('release', [], async () => 'r')]);
    const half = await start([stage('deploy', ['release'], async (ctx) => ctx.output('release'))], run.id);
    expect(half.failures).toEqual([]);
    expect(store.stage(run.id, 'deploy')?.outputs).toBe('r');
  });

  it('keeps secrets out of logs, feedback and state', async () => {
    redactor.add('hunter2-secret');
    const { run, failures } = await start([
      stage('leaky', [], async (ctx) => {
        ctx.log('connecting with hunter2-secret');
        throw new Failure('auth failed for hunter2-secret', { logExcerpt: ['password=hunter2-secret'] });
      }),
    ]);
    expect(JSON.stringify(failures)).not.toContain('hunter2-secret');
    expect(JSON.stringify(store.feedback(run.id))).not.toContain('hunter2-secret');
    expect(JSON.stringify(events)).not.toContain('hunter2-secret');
    expect(failures[0].specific).toBe('auth failed for ***');
  });

  it("keeps a tool's colour codes out of the log file, the events and the feedback", async () => {
    const { run, failures } = await start([
      stage('colourful', [], async (ctx) => {
        ctx.log('\x1b[31m FAIL \x1b[39m src/a.test.ts');
        throw new Failure('\x1b[1m1 test failed\x1b[22m', {
          details: ['\x1b[2mexpected\x1b[22m 2'],
          logExcerpt: ['\x1b[31m×\x1b[39m adds'],
          hint: '\x1b[36mnpm test\x1b[39m',
        });
      }),
    ]);
    const logFile = join(homeAt(dir).runDir(run.id), 'logs', 'colourful.log');
    expect(await readFile(logFile, 'utf8')).toBe(' FAIL  src/a.test.ts\n');
    expect(JSON.stringify(events)).not.toContain('\\u001b');
    expect(failures[0]).toMatchObject({ specific: '1 test failed', details: ['expected 2'], logExcerpt: ['× adds'], hint: 'npm test' });
    expect(JSON.stringify(store.feedback(run.id))).not.toContain('\\u001b');
  });

  it('reports an unexpected error as a defect, with a hint', async () => {
    const { failures } = await start([
      stage('x', [], async () => {
        throw new TypeError('undefined is not a function');
      }),
    ]);
    expect(failures[0]).toMatchObject({
      specific: 'unexpected error: undefined is not a function',
      hint: expect.stringMatching(/defect in Slipway/),
    });
  });
});
