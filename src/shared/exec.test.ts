import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec } from './exec.ts';
import { waitFor } from './net.ts';
import { isRunning } from './process.ts';

describe('exec with a stop signal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-exec-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stops the command and what it started (a script's shell and its node), and resolves with the code left", async () => {
    const pidFile = join(dir, 'pid');
    const done = join(dir, 'done');
    // The shell waits on a node that would write "done" only once it is not stopped.
    const script = `node -e "require('fs').writeFileSync('${pidFile}', String(process.pid)); setTimeout(() => require('fs').writeFileSync('${done}', ''), 600000)"; echo after`;
    const stop = new AbortController();
    const running = exec('sh', ['-c', script], { signal: stop.signal });
    expect(await waitFor(async () => (await readFile(pidFile, 'utf8')) !== '', 60_000, 20)).toBe(true);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    stop.abort();
    const result = await running;
    expect(result.code).not.toBe(0);
    expect(result.output).not.toContain('after');
    expect(isRunning({ pid: grandchild })).toBe(false);
    await expect(readFile(done)).rejects.toThrow();
  });

  it('never starts a command whose signal is already aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('stopped before it started'));
    const marker = join(dir, 'started');
    await expect(exec('sh', ['-c', `touch ${marker}`], { signal: stop.signal })).rejects.toThrow('stopped before it started');
    await expect(readFile(marker)).rejects.toThrow();
  });
});
