import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calledScript, runPackageScript, scriptCommand, scriptEvents } from './run-script.ts';

let root: string;
let pkgDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-scripts-'));
  pkgDir = join(root, 'packages', 'app');
  await mkdir(join(root, 'node_modules', '.bin'), { recursive: true });
  await mkdir(pkgDir, { recursive: true });
  // A tool installed at the workspace root, as npm puts hoisted binaries there.
  await writeFile(join(root, 'node_modules', '.bin', 'greet'), '#!/bin/sh\necho "hello from $npm_lifecycle_event"\n');
  await chmod(join(root, 'node_modules', '.bin', 'greet'), 0o755);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function manifest(scripts: Record<string, string>): Promise<void> {
  await writeFile(join(pkgDir, 'package.json'), JSON.stringify({ name: '@x/app', version: '1.2.3', scripts }));
}

describe('runPackageScript', () => {
  it('runs pre, main and post scripts like npm run, with node_modules/.bin of every parent on PATH', async () => {
    await manifest({
      prebuild: 'echo pre',
      build: 'greet && echo "$npm_package_name@$npm_package_version" && echo to-stderr >&2',
      postbuild: 'echo post',
    });
    const lines: string[] = [];
    const result = await runPackageScript({ dir: pkgDir, script: 'build', onLine: (line, stream) => lines.push(`${stream}: ${line}`) });
    expect(result.code).toBe(0);
    expect(lines).toEqual(['stdout: pre', 'stdout: hello from build', 'stdout: @x/app@1.2.3', 'stderr: to-stderr', 'stdout: post']);
    expect(result.stdout).toBe('pre\nhello from build\n@x/app@1.2.3\npost\n');
    expect(result.stderr).toBe('to-stderr\n');
  });

  it('passes extra environment and stops at the first failing step with its code and output', async () => {
    await manifest({ test: 'echo "mode=$MODE"; exit 3', posttest: 'echo never' });
    const result = await runPackageScript({ dir: pkgDir, script: 'test', env: { MODE: 'ci' } });
    expect(result.code).toBe(3);
    expect(result.output).toBe('mode=ci\n');
  });

  it('fails like npm on a missing script, naming the package.json', async () => {
    await manifest({});
    const result = await runPackageScript({ dir: pkgDir, script: 'lint' });
    expect(result.code).toBe(1);
    expect(result.output).toBe(`Missing script: "lint" in ${join(pkgDir, 'package.json')}`);
  });
});

describe('scriptCommand', () => {
  it("names a script as the repository's own package manager runs it", () => {
    expect(['npm', 'pnpm', 'yarn', 'lerna', 'root'].map((tool) => scriptCommand(tool as 'npm', 'test'))).toEqual([
      'npm run test',
      'pnpm run test',
      'yarn run test',
      'npm run test',
      'npm run test',
    ]);
    expect(scriptCommand('pnpm', 'test:integration', '@acme/api')).toBe('pnpm --filter @acme/api run test:integration');
    expect(scriptCommand('yarn', 'test:integration', '@acme/api')).toBe('yarn workspace @acme/api run test:integration');
    expect(scriptCommand('npm', 'test:integration', '@acme/api')).toBe('npm run test:integration -w @acme/api');
  });
});

describe('scripts that only run another script', () => {
  it('are read in the words of npm, pnpm and yarn', () => {
    expect(
      ['npm run test:unit', 'npm run-script test:unit', 'pnpm run test:unit', 'pnpm test:unit', 'yarn test:unit', 'yarn run test:unit'].map(
        calledScript,
      ),
    ).toEqual(Array(6).fill('test:unit'));
    expect(['npm test', 'npm t'].map(calledScript)).toEqual(['test', 'test']);
    // Anything more is a command of its own, run as it is.
    for (const command of [
      'npm run test -- --watch',
      'npm run a && npm run b',
      'pnpm install',
      'yarn add x',
      'npm start',
      'npx vitest',
      'vitest run',
      'pnpm run -r test',
    ])
      expect(calledScript(command)).toBeUndefined();
  });

  it('are followed to what they run when asked, with pre and post scripts, never in a cycle', () => {
    const scripts = {
      test: 'npm run test:all',
      'test:all': 'pnpm test:unit',
      pretest: 'echo pre',
      'test:unit': 'vitest run',
      'posttest:unit': 'echo post',
      loop: 'npm run loop',
    };
    expect(scriptEvents(scripts, 'test', false)).toEqual(['pretest', 'test']);
    expect(scriptEvents(scripts, 'test', true)).toEqual(['pretest', 'test:unit', 'posttest:unit']);
    expect(scriptEvents(scripts, 'loop', true)).toEqual(['loop']);
    expect(scriptEvents({ test: 'npm run missing' }, 'test', true)).toEqual(['test']);
  });

  it('run their target with the prefix first on PATH', async () => {
    await manifest({ test: 'npm run test:unit', 'test:unit': 'echo "$npm_lifecycle_event: $PATH"' });
    const result = await runPackageScript({ dir: pkgDir, script: 'test', pathPrefix: ['/shims'] });
    expect(result.stdout).toMatch(/^test:unit: \/shims:/);
  });
});
