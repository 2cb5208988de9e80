import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHome, homeAt, type Home } from '../shared/home.ts';
import { RunStore } from '../shared/state/run-store.ts';
import { pruneRuns } from './prune-runs.ts';
import { rememberedRunId } from './unchanged-run.ts';

let home: Home;
let store: RunStore;
beforeEach(async () => {
  home = homeAt(await mkdtemp(join(tmpdir(), 'slipway-prune-home-')));
  await createHome(home);
  store = new RunStore(home.stateDb, 'normal');
});
afterEach(async () => {
  store.close();
  await rm(home.root, { recursive: true, force: true });
});

async function finishedRun(): Promise<number> {
  const { id } = store.createRun({ project: 'p', repoDir: '/repo', commit: 'c0ffee', branch: 'main', trigger: 'test' });
  store.setRunStatus(id, 'succeeded');
  await mkdir(home.runDir(id), { recursive: true });
  await writeFile(join(home.runDir(id), 'report.md'), `run ${id}`);
  return id;
}

describe('pruneRuns', () => {
  it("deletes old runs' records and directories, keeping the run the checks memo replays from when asked", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await finishedRun());
    // The memo as rememberChecks writes it, answering from the second run.
    await mkdir(home.cacheDir, { recursive: true });
    await writeFile(
      join(home.cacheDir, 'checks-memo.json'),
      JSON.stringify({ format: 4, fingerprint: 'f', runId: ids[1], placed: [], stamps: '[]' }),
    );
    expect(await rememberedRunId(home)).toBe(ids[1]);

    const pruned = await pruneRuns(store, home, [await rememberedRunId(home)], 2);

    expect(pruned).toEqual([ids[0], ids[2], ids[3]]);
    for (const id of pruned) {
      expect(store.getRun(id)).toBeUndefined();
      expect(existsSync(home.runDir(id))).toBe(false);
    }
    for (const id of [ids[1], ids[4], ids[5]]) {
      expect(store.getRun(id)?.status).toBe('succeeded');
      expect(existsSync(join(home.runDir(id), 'report.md'))).toBe(true);
    }
  });

  it('protects nothing more without a memo', async () => {
    const ids = [await finishedRun(), await finishedRun(), await finishedRun()];
    expect(await rememberedRunId(home)).toBeUndefined();
    expect(await pruneRuns(store, home, [await rememberedRunId(home)], 1)).toEqual(ids.slice(0, 2));
  });
});
