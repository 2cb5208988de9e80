import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChildRecords } from './child-records.ts';
import { exec } from './exec.ts';
import { isRunning, processRef, stopProcess, type ProcessRef } from './process.ts';

const recordsModule = fileURLToPath(new URL('./child-records.ts', import.meta.url));
const processModule = fileURLToPath(new URL('./process.ts', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

let dir: string;
const started: ProcessRef[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-children-'));
});
afterEach(async () => {
  for (const ref of started.splice(0)) await stopProcess(ref);
  await rm(dir, { recursive: true, force: true });
});

/**
 * An owner process, as a Slipway run is: it starts a server (a long sleep in its own process
 * group), records it, says so, and waits to be killed.
 */
async function ownerWithChild(): Promise<{ owner: ProcessRef; child: ProcessRef }> {
  const script = join(dir, 'owner.mts');
  await writeFile(
    script,
    [
      `import { spawn } from 'node:child_process';`,
      `import { ChildRecords } from ${JSON.stringify(recordsModule)};`,
      `import { processRef } from ${JSON.stringify(processModule)};`,
      `const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });`,
      `const ref = processRef(child.pid);`,
      `await new ChildRecords(${JSON.stringify(join(dir, 'children'))}).record(ref, 'a test server');`,
      `process.stdout.write(JSON.stringify({ child: ref, owner: processRef(process.pid) }) + '\\n');`,
      `setInterval(() => {}, 1000);`,
    ].join('\n'),
  );
  const owner = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    owner.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    owner.once('exit', (code) => reject(new Error(`owner exited with ${code}`)));
  });
  const refs = JSON.parse(line) as { owner: ProcessRef; child: ProcessRef };
  started.push(refs.child, refs.owner);
  return refs;
}

describe('servers left running by a killed Slipway process', () => {
  it('are stopped by the next Slipway process, and only once their owner is dead', async () => {
    const { owner, child } = await ownerWithChild();
    const records = new ChildRecords(join(dir, 'children'));
    // The owner lives: its server is its own business.
    expect(await records.stopOrphans()).toEqual([]);
    expect(isRunning(child)).toBe(true);

    process.kill(owner.pid, 'SIGKILL');
    while (isRunning(owner)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isRunning(child)).toBe(true);
    expect(await records.stopOrphans()).toEqual([`a test server (pid ${child.pid}), left running by a Slipway process that was killed`]);
    expect(isRunning(child)).toBe(false);
    expect(await readdir(join(dir, 'children'))).toEqual([]);
  });

  it('never stops a process that only shares the recorded pid', async () => {
    // A record of a long-dead server whose pid now belongs to another process (this test's own).
    const me = processRef(process.pid)!;
    const impostor = {
      owner: { pid: 999_999, startTime: '1' },
      child: { pid: me.pid, startTime: `${me.startTime}0` },
      what: 'a reused pid',
    };
    await new ChildRecords(join(dir, 'children')).record(me, 'placeholder');
    const [file] = await readdir(join(dir, 'children'));
    await writeFile(join(dir, 'children', file), JSON.stringify(impostor));
    expect(await new ChildRecords(join(dir, 'children')).stopOrphans()).toEqual([]);
    expect(isRunning(me)).toBe(true);
    expect(existsSync(join(dir, 'children', file))).toBe(false);
  });

  it('`slipway env down` stops them and says so', async () => {
    const home = join(dir, 'home');
    const { owner, child } = await ownerWithChild();
    // The records live in the home's children directory.
    await rm(join(home, 'children'), { recursive: true, force: true });
    await exec('mkdir', ['-p', home]);
    await exec('cp', ['-r', join(dir, 'children'), join(home, 'children')]);
    process.kill(owner.pid, 'SIGKILL');
    while (isRunning(owner)) await new Promise((resolve) => setTimeout(resolve, 20));
    const down = await exec(process.execPath, [cli, 'env', 'down', '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
    expect(down.code, down.output).toBe(0);
    expect(down.stdout).toContain(`stopped a test server (pid ${child.pid}), left running by a Slipway process that was killed`);
    expect(isRunning(child)).toBe(false);
    expect(JSON.parse(await readFile(join(dir, 'children', (await readdir(join(dir, 'children')))[0]), 'utf8')).what).toBe('a test server');
  });
});
