import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));
const slipway = (...args: string[]) => exec(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } });

/** Mounts need root; CI and this machine run as root. */
function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const canMount = process.getuid?.() === 0;

/** Live processes whose working directory or command line lies under `dir`. */
function processesUnder(dir: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) return [];
        const inside = [readlinkSync(`/proc/${pid}/cwd`), readFileSync(`/proc/${pid}/cmdline`, 'utf8')].some((text) => text.includes(dir));
        return inside ? [pid] : [];
      } catch {
        return [];
      }
    });
}

/** Every file below a directory, relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

describe("Slipway's own state, broken", () => {
  let work: string;
  let repo: string;
  const mounts: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-broken-'));
    repo = join(work, 'repo');
    await createCiWorkspace(repo);
  });
  afterAll(async () => {
    for (const mount of mounts) execFileSync('umount', [mount]);
    await rm(work, { recursive: true, force: true });
  });

  async function mounted(name: string, options: string): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    if (!tryMount(dir, options)) throw new Error(`could not mount a tmpfs at ${dir}`);
    mounts.push(dir);
    return dir;
  }

  it.skipIf(!canMount)('a home on a full disk: exit code 2, the home named, and no blame on the change', async () => {
    const home = join(await mounted('full', 'size=64k'), 'home');
    const run = await slipway('ci', '--repo', repo, '--home', home);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain(`Slipway could not run: the disk holding ${home}`);
    expect(run.output).toContain('is full');
    expect(run.output).toContain('Set --home or SLIPWAY_HOME');
    expect(run.output).not.toMatch(/SqliteError|at .*\.js:\d+/);
  });

  it.skipIf(!canMount)(
    'the disk filling during a run: the stage says Slipway could not run, exit code 2, no temp file left, the run failed',
    async () => {
      const home = join(work, 'filling-home');
      const cache = join(home, 'cache');
      await mkdir(cache, { recursive: true });
      // The cache gets too little room for the build outputs: the packages stage fills it.
      await mounted('filling-home/cache', 'size=8k');
      const run = await slipway('ci', '--repo', repo, '--home', home);
      expect(run.code, run.output).toBe(2);
      expect(run.output).toContain(`✖ Slipway could not run: the disk holding ${cache}`);
      expect(run.output).toMatch(/stage: (deps|packages|unit)/);
      expect(run.output).not.toMatch(/Package build failed|Unit tests failed|unexpected error/);
      expect((await filesBelow(home)).filter((file) => /\.tmp|\.tmp-|\.staging/.test(file))).toEqual([]);
      const runs = await slipway('runs', '--home', home);
      expect(runs.stdout).toMatch(/#1 +failed/);
    },
  );

  it.skipIf(!canMount)('a read-only home: exit code 2, naming the path, with what to do', async () => {
    const home = await mounted('readonly', 'ro,size=64k');
    const run = await slipway('ci', '--repo', repo, '--home', home);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain(`is on a read-only file system`);
    expect(run.output).toContain(home);
    expect(run.output).toContain('Set --home or SLIPWAY_HOME to a directory on a writable disk');
  });

  it('a corrupt state database: exit code 2, naming it, with how to move it aside', async () => {
    const home = join(work, 'corrupt-db');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'state.db'), 'this is not a SQLite database, just bytes in its place\n'.repeat(200));
    const run = await slipway('ci', '--repo', repo, '--home', home);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain(`Slipway could not run: the run state database ${join(home, 'state.db')} is corrupt`);
    expect(run.output).toContain(`mv ${join(home, 'state.db')} ${join(home, 'state.db')}.corrupt`);
  });

  it('truncated memo, remembered-inputs and coverage files: a miss with one warning each, then written again', async () => {
    const home = join(work, 'truncated');
    // A package with its own config: coverage is measured, so its memos exist.
    const first = await slipway('ci', '--repo', repo, '--home', home);
    expect(first.code, first.output).toBe(0);
    const stateFiles = (await filesBelow(join(home, 'cache'))).filter((file) =>
      /^(checks-memo\.json|inputs\/.*\.json|coverage\/.*\.json)$/.test(file),
    );
    expect(stateFiles).toContain('checks-memo.json');
    expect(stateFiles.some((file) => file.startsWith('inputs/'))).toBe(true);
    expect(stateFiles.some((file) => file.startsWith('coverage/'))).toBe(true);
    for (const file of stateFiles) await truncate(join(home, 'cache', file), 7);
    // A change, so the pipeline runs (an unchanged run would only read the checks memo).
    await writeFile(join(repo, 'packages/core/src/index.js'), 'export const double = (n) => n + n;\n');
    const second = await slipway('ci', '--repo', repo, '--home', home);
    expect(second.code, second.output).toBe(0);
    // Each file the second run reads warns once: the checks memo, the remembered inputs of the
    // rebuilt packages, the coverage ledger (the old per-run coverage memos are not read again).
    const read = stateFiles.filter(
      (file) => file === 'checks-memo.json' || file.startsWith('inputs/') || file.startsWith('coverage/merged'),
    );
    expect(read.some((file) => file.startsWith('coverage/merged'))).toBe(true);
    for (const file of stateFiles) {
      const warnings = second.output.split('\n').filter((line) => line.includes(join(home, 'cache', file)));
      expect(warnings, file).toHaveLength(read.includes(file) ? 1 : 0);
      if (warnings.length) expect(warnings[0]).toContain('treated as a cache miss and written again');
    }
    expect(second.output).not.toContain('SyntaxError');
    expect(second.output).not.toContain('Insufficient test coverage');
    // Written again, whole.
    expect(() => JSON.parse(existsSync(join(home, 'cache', 'checks-memo.json')) ? '{}' : 'x')).not.toThrow();
    JSON.parse(await readFile(join(home, 'cache', 'checks-memo.json'), 'utf8'));
    await exec('git', ['checkout', '--', '.'], { cwd: repo });
  });

  it('a run whose process was killed reads as interrupted, with the resume command', async () => {
    const home = join(work, 'killed');
    const slow = join(work, 'slow');
    await createCiWorkspace(slow);
    // A test that takes its time, so the run is surely mid-way when it is killed.
    const marker = join(work, 'slow-test-started');
    await writeFile(
      join(slow, 'packages/core/src/index.test.js'),
      "import { test } from 'node:test';\nimport { writeFileSync } from 'node:fs';\n" +
        "test('slow', async () => { writeFileSync(process.env.SLOW_TEST_MARKER, 'started'); await new Promise((r) => setTimeout(r, 60_000)); });\n",
    );
    await exec('git', ['commit', '-qam', 'slow test'], { cwd: slow });
    const child = spawn(process.execPath, [cli, 'ci', '--repo', slow, '--home', home], {
      stdio: 'ignore',
      env: { ...process.env, SLOW_TEST_MARKER: marker },
    });
    let exited = false;
    child.on('exit', () => (exited = true));
    while (!existsSync(marker) && !exited) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exited, 'the run ended before its test started').toBe(false);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const runs = await slipway('runs', '--home', home);
    expect(runs.stdout).toMatch(/#1 +interrupted/);
    expect(runs.stdout).toContain('`slipway resume 1`');
    const show = await slipway('show', '1', '--home', home);
    expect(show.stdout).toContain('Run #1 interrupted');
    expect(show.stdout).toContain('`slipway resume 1` carries it on');
    // The test script the killed run started outlives it; the next Slipway process stops it and what it started.
    const leftBehind = () => processesUnder(slow);
    expect(leftBehind().length, "the killed run's test processes").toBeGreaterThan(0);
    const down = await slipway('env', 'down', '--home', home);
    expect(down.stdout).toContain('stopped the test script of @ci/core');
    expect(down.stdout).toContain('left running by a Slipway process that was killed');
    expect(leftBehind()).toEqual([]);
  });

  it('malformed package manifests are named with the place they break, and the config is not blamed', async () => {
    const broken = join(work, 'manifests');
    await createCiWorkspace(broken);
    const rootManifest = await readFile(join(broken, 'package.json'), 'utf8');
    await writeFile(join(broken, 'package.json'), rootManifest.replace('"private": true', '"private": true,,'));
    const root = await slipway('ci', '--repo', broken, '--home', join(work, 'manifests-home'));
    expect(root.code, root.output).toBe(1);
    expect(root.output).toMatch(/✖ Invalid package\.json: package\.json:3:\d+: package\.json is not valid JSON/);
    expect(root.output).not.toContain('slipway.config.ts');

    await writeFile(join(broken, 'package.json'), rootManifest);
    await writeFile(join(broken, 'packages/core/package.json'), '{ "name": "@ci/core", "version": "1.0.0" "type": "module" }\n');
    const member = await slipway('ci', '--repo', broken, '--home', join(work, 'manifests-home'));
    expect(member.code, member.output).toBe(1);
    expect(member.output).toContain('packages/core/package.json:1:42: package.json is not valid JSON');
    expect(member.output).toContain('hint: Fix the JSON in packages/core/package.json');
  });
});
