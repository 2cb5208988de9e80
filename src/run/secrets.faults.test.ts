import { readdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../shared/exec.ts';
import { createCiWorkspace } from '../test-support/ci-workspace.ts';

const cli = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

/** Values a unit test prints, then fails with: each must be masked everywhere Slipway writes, unless public. */
const values = {
  API_TOKEN: 'tok-3f9a1c77e2b84d01',
  DEPLOY_REGION: 'eu-west-secret-region',
  BUILD_LABEL: 'nightly-build-label',
  NPM_TOKEN: 'npm_Zx81kQ0pL2mN4bV6',
  DB_PASS: 'hunter2-correct-horse',
};

/** The forms a leaked value could take: as is, base64 and URL-encoded. */
const leaks = (value: string) => [value, Buffer.from(value).toString('base64').slice(0, -2), encodeURIComponent(value)];

describe("secrets in a failing test's output", () => {
  let work: string;
  let repo: string;
  let home: string;
  let output: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'slipway-secrets-'));
    repo = join(work, 'repo');
    home = join(work, 'home');
    await createCiWorkspace(repo, {
      // DEPLOY_REGION is masked because it is not public; NPM_TOKEN although marked public (its name says secret).
      tasks: { env: ['API_TOKEN', 'DEPLOY_REGION', { name: 'BUILD_LABEL', public: true }, { name: 'NPM_TOKEN', public: true }] },
      secrets: ['DB_PASS'],
    });
    await writeFile(
      join(repo, 'packages/core/src/index.test.js'),
      [
        "import { test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "const names = ['API_TOKEN', 'DEPLOY_REGION', 'BUILD_LABEL', 'NPM_TOKEN', 'DB_PASS'];",
        'for (const name of names) {',
        '  const value = process.env[name];',
        "  console.log(`${name}=${value} b64=${Buffer.from(value).toString('base64')} url=${encodeURIComponent(value)}`);",
        '}',
        "console.log(`Slipway's cache key reaches the tests: ${process.env.SLIPWAY_CACHE_KEY !== undefined}`);",
        "test('reads the environment', () => assert.equal(process.env.API_TOKEN, 'expected ' + process.env.DB_PASS));",
        '',
      ].join('\n'),
    );
    await exec('git', ['commit', '-qam', 'a test that prints the environment'], { cwd: repo });
    const run = await exec(process.execPath, [cli, 'ci', '--repo', repo, '--home', home], {
      env: { ...process.env, NO_COLOR: '1', ...values, SLIPWAY_CACHE_KEY: 'k'.repeat(40) },
    });
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('Unit tests failed');
    output = run.output;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Everything Slipway wrote for the run: the terminal, the stage logs, feedback.json, summary.md, and the state database with its WAL. */
  async function written(): Promise<Record<string, string>> {
    const runDir = join(home, 'runs', '1');
    const logs = await readdir(join(runDir, 'logs'));
    const files = [
      ...logs.map((log) => join(runDir, 'logs', log)),
      join(runDir, 'feedback.json'),
      join(runDir, 'summary.md'),
      ...(await readdir(home)).filter((name) => name.startsWith('state.db')).map((name) => join(home, name)),
    ];
    const contents = await Promise.all(files.map(async (file) => [file, (await readFile(file)).toString('latin1')] as const));
    return { terminal: output, ...Object.fromEntries(contents) };
  }

  it('masks declared, listed and secret-looking values, with their encodings, in every sink', async () => {
    const sinks = await written();
    expect(Object.keys(sinks).some((name) => name.endsWith('unit.log'))).toBe(true);
    for (const name of ['API_TOKEN', 'DEPLOY_REGION', 'NPM_TOKEN', 'DB_PASS'] as const) {
      for (const leak of leaks(values[name])) {
        for (const [sink, text] of Object.entries(sinks)) expect(text.includes(leak), `${name} as ${leak} in ${sink}`).toBe(false);
      }
    }
    const unitLog = Object.entries(sinks).find(([name]) => name.endsWith('unit.log'))![1];
    expect(unitLog).toContain('API_TOKEN=***');
    expect(unitLog).toContain('DB_PASS=***');
  });

  it("never hands Slipway's own credentials to the project's scripts", async () => {
    const unitLog = Object.entries(await written()).find(([name]) => name.endsWith('unit.log'))![1];
    expect(unitLog).toContain("Slipway's cache key reaches the tests: false");
  });

  it('shows a value marked public', async () => {
    const sinks = await written();
    const unitLog = Object.entries(sinks).find(([name]) => name.endsWith('unit.log'))![1];
    expect(unitLog).toContain(`BUILD_LABEL=${values.BUILD_LABEL}`);
  });

  it('still names the failing test and masks the secret in its assertion', async () => {
    const feedback = JSON.parse((await written())[join(home, 'runs', '1', 'feedback.json')]) as {
      failures: { specific: string; details: string[] }[];
    };
    const text = JSON.stringify(feedback);
    expect(text).toContain('reads the environment');
    expect(text).not.toContain(values.API_TOKEN);
  });
});
