import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec } from '../../../shared/exec.ts';

// Each case runs the shims' owner in its own processes, with a temporary directory of its own
// (TMPDIR), as separate `slipway ci` runs on one machine would.
const module = fileURLToPath(new URL('./runner-shims.ts', import.meta.url));
let temp: string;
let script: string;

beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'slipway-shims-faults-'));
  await mkdir(join(temp, 'tmp'));
  script = join(temp, 'shim-dir.mts');
  await writeFile(script, `import { runnerShimDir } from ${JSON.stringify(module)};\nprocess.stdout.write(await runnerShimDir());\n`);
});
afterEach(async () => rm(temp, { recursive: true, force: true }));

/** The shim directory a new process uses, with TMPDIR set to this case's directory. */
async function shimDirOfNewProcess(): Promise<string> {
  const result = await exec(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TMPDIR: join(temp, 'tmp') } });
  expect(result.code, result.output).toBe(0);
  return result.stdout;
}

async function sharedDir(): Promise<string> {
  const made = await shimDirOfNewProcess();
  expect(made.startsWith(join(temp, 'tmp', 'slipway-shims-'))).toBe(true);
  return made;
}

describe('runner shim directory', () => {
  it('is made once per user and kept for the next run, private to this user', async () => {
    const first = await sharedDir();
    expect(await shimDirOfNewProcess()).toBe(first);
    const info = await lstat(first);
    expect(info.mode & 0o777).toBe(0o700);
    expect(info.uid).toBe(process.getuid!());
    expect((await readdir(first)).sort()).toEqual([
      'jest',
      'mocha',
      'mocha-reporter.cjs',
      'node',
      'playwright',
      'script-shell',
      'tsx',
      'vitest',
    ]);
  });

  it('is not used when others can write to it: the run makes a private one and removes it when it exits', async () => {
    const shared = await sharedDir();
    await chmod(shared, 0o777);
    const own = await shimDirOfNewProcess();
    expect(own).not.toBe(shared);
    expect(existsSync(own)).toBe(false);
    // What sat at the shared name is left as it was found.
    expect((await lstat(shared)).mode & 0o777).toBe(0o777);
  });

  it('is not followed when the name is a link, even to a directory of shims', async () => {
    const shared = await sharedDir();
    const elsewhere = join(temp, 'elsewhere');
    await rename(shared, elsewhere);
    await symlink(elsewhere, shared);
    const own = await shimDirOfNewProcess();
    expect(own).not.toBe(shared);
    expect(existsSync(own)).toBe(false);
    expect((await lstat(shared)).isSymbolicLink()).toBe(true);
  });

  it('is not used when left without its last shim, and is made again once removed', async () => {
    const shared = await sharedDir();
    await rm(join(shared, 'script-shell'));
    // Incomplete: a new run neither uses it nor empties it; it runs with a private one.
    const own = await shimDirOfNewProcess();
    expect(own).not.toBe(shared);
    await rm(shared, { recursive: true });
    expect(await shimDirOfNewProcess()).toBe(shared);
    expect(existsSync(join(shared, 'script-shell'))).toBe(true);
  });

  it('is made again in a long-lived process when something cleaned the temporary directory under it', async () => {
    await writeFile(
      script,
      [
        `import { rm } from 'node:fs/promises';`,
        `import { runnerShimDir } from ${JSON.stringify(module)};`,
        `const before = await runnerShimDir();`,
        `await rm(before, { recursive: true });`,
        `process.stdout.write(JSON.stringify([before, await runnerShimDir()]));`,
      ].join('\n'),
    );
    const [before, after] = JSON.parse(await shimDirOfNewProcess()) as string[];
    expect(after).toBe(before);
    expect(existsSync(join(after, 'script-shell'))).toBe(true);
  });
});
