import { describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { workspaceOf } from '../../test-support/workspace-fixtures.ts';
import { nearestChangeFirst, runInDependencyOrder } from './schedule.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runInDependencyOrder', () => {
  it('starts a package once its own dependencies are done, without waiting for a whole level', async () => {
    // slow-leaf and base are both ready at once; app needs only base, so it must not wait for slow-leaf.
    const ws = workspaceOf({ base: [], 'slow-leaf': [], app: ['base'], top: ['app', 'slow-leaf'] });
    const events: string[] = [];
    await runInDependencyOrder(
      ws,
      async (name) => {
        events.push(`start ${name}`);
        await tick(name === 'slow-leaf' ? 60 : 5);
        events.push(`end ${name}`);
      },
      { concurrency: 2 },
    );
    expect(events.indexOf('start app')).toBeLessThan(events.indexOf('end slow-leaf'));
    expect(events.indexOf('start app')).toBeGreaterThan(events.indexOf('end base'));
    expect(events.indexOf('start top')).toBeGreaterThan(Math.max(events.indexOf('end app'), events.indexOf('end slow-leaf')));
    expect(events.filter((event) => event.startsWith('start'))).toHaveLength(4);
  });

  it('never runs more than the concurrency at once, and runs the package that unblocks most first', async () => {
    const ws = workspaceOf({ lonely: [], core: [], a: ['core'], b: ['core'], c: ['core'] });
    const order: string[] = [];
    let inFlight = 0;
    let most = 0;
    await runInDependencyOrder(
      ws,
      async (name) => {
        order.push(name);
        most = Math.max(most, ++inFlight);
        await tick(5);
        inFlight--;
      },
      { concurrency: 1 },
    );
    expect(most).toBe(1);
    expect(order[0]).toBe('core');
    expect(order.sort()).toEqual(['a', 'b', 'c', 'core', 'lonely']);
  });

  it('starts nothing new after a failure, lets running packages finish, then throws', async () => {
    const ws = workspaceOf({ bad: [], slow: [], after: ['bad'], later: ['slow'] });
    const finished: string[] = [];
    const run = runInDependencyOrder(
      ws,
      async (name) => {
        if (name === 'bad') throw new Failure('bad failed to build');
        await tick(30);
        finished.push(name);
      },
      { concurrency: 2 },
    );
    await expect(run).rejects.toThrow('bad failed to build');
    expect(finished).toEqual(['slow']);
  });

  it('throws every failure when several packages fail together', async () => {
    const ws = workspaceOf({ a: [], b: [] });
    const error = await runInDependencyOrder(
      ws,
      async (name) => {
        await tick(5);
        throw new Error(`${name} broke`);
      },
      { concurrency: 2 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message).sort()).toEqual(['a broke', 'b broke']);
  });

  it('refuses a dependency cycle before running anything', async () => {
    const ws = workspaceOf({ a: ['b'], b: ['a'] });
    let ran = false;
    await expect(
      runInDependencyOrder(ws, async () => {
        ran = true;
      }),
    ).rejects.toThrow('Dependency cycle between workspace packages: a -> b -> a');
    expect(ran).toBe(false);
  });
});

describe('nearestChangeFirst', () => {
  it('puts a package that changed itself before those that changed only through it', () => {
    const ws = workspaceOf({ app: ['ui', 'core'], ui: ['core'], core: [], docs: [] });
    expect(nearestChangeFirst(ws, ['app', 'ui', 'core'])).toEqual(['core', 'ui', 'app']);
    // docs changed on its own, beside core: both come before what core's change reaches.
    expect(nearestChangeFirst(ws, ['app', 'docs', 'ui', 'core'])).toEqual(['docs', 'core', 'ui', 'app']);
  });

  it('counts a change reached through an unchanged package, and ignores unchanged dependencies', () => {
    const ws = workspaceOf({ top: ['mid'], mid: ['base'], base: [], leaf: ['mid'] });
    expect(nearestChangeFirst(ws, ['top', 'base'])).toEqual(['base', 'top']);
    expect(nearestChangeFirst(ws, ['leaf', 'top'])).toEqual(['leaf', 'top']);
  });
});
