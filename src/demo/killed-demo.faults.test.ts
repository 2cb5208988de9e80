import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';
import { isRunning, stopProcess, type ProcessRef } from '../shared/process.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'slipway-killed-demo-'));
const home = join(work, 'home');

afterAll(async () => {
  await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
  await rm(work, { recursive: true, force: true });
});

/** Processes whose command line names the home: what a run left behind. */
function processesOfHome(): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return cmdline.includes(home) ? [`${pid} ${cmdline.trim()}`] : [];
      } catch {
        return [];
      }
    });
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (;;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!demoRunning) throw new Error(`the demo ended before ${what}`);
  }
}
let demoRunning = true;

describe('a demo killed with SIGKILL during its deploy', () => {
  it('leaves its local registry running, and the next Slipway process stops it', async () => {
    const demo = spawn(process.execPath, [cli, 'demo', '--home', home], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    demo.on('exit', () => (demoRunning = false));
    // Every process the run starts is recorded; the registry's record names it.
    const records = join(home, 'children');
    const registryRecord = async () => {
      for (const name of await readdir(records).catch(() => [] as string[])) {
        const text = await readFile(join(records, name), 'utf8').catch(() => '');
        const record = text ? (JSON.parse(text) as { child: ProcessRef; what: string }) : undefined;
        if (record?.what.startsWith('the local registry')) return record.child;
      }
      return undefined;
    };
    let registry: ProcessRef | undefined;
    await until(async () => (registry = await registryRecord()) !== undefined, 'its registry started');
    // Mid-deploy: the deploy stage has begun writing its log.
    await until(() => existsSync(join(home, 'runs', '1', 'logs', 'deploy.log')), 'its deploy started');
    demo.kill('SIGKILL');
    await new Promise((resolve) => (demoRunning ? demo.once('exit', resolve) : resolve(undefined)));

    expect(isRunning(registry!), 'the registry outlives the killed demo').toBe(true);
    const runs = await exec(process.execPath, [cli, 'runs', '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
    expect(runs.stdout).toMatch(/#1 +interrupted/);

    const down = await exec(process.execPath, [cli, 'env', 'down', '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
    expect(down.code, down.output).toBe(0);
    expect(down.stdout).toContain(`stopped the local registry on 127.0.0.1:`);
    expect(isRunning(registry!)).toBe(false);
    expect(processesOfHome()).toEqual([]);
    if (isRunning(registry!)) await stopProcess(registry!);
  });
});
