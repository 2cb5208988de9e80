import { describe, expect, it } from 'vitest';
import { configFileText, projectNameOf } from './config-file.ts';
import { parseTurboJson } from '../../build/workspace/index.ts';
import { tasksFromTurbo } from './turbo-config.ts';

const workspace = { packageNames: ['solid-js', 'solid-element', 'web'], defaultGlobalInputs: ['tsconfig*.json'] };
const root = (text: string) => ({ path: 'turbo.json', json: JSON.parse(text) as Record<string, unknown> });
/** A root turbo.json read as slipway init config reads it (comments allowed). */
const parsed = async (text: string) => ({ path: 'turbo.json', json: await parseTurboJson(text, 'turbo.json') });

describe('tasksFromTurbo', () => {
  it('carries over the build and test inputs, outputs, env and global dependencies of a Turborepo 2 file with comments', async () => {
    const result = tasksFromTurbo(
      await parsed(`{
        // Turborepo accepts JSONC
        "globalDependencies": ["tsconfig.base.json", "scripts/**"],
        "globalEnv": ["CI", "NEXT_PUBLIC_*"],
        "tasks": {
          "build": { "dependsOn": ["^build", "prebuild"], "inputs": ["$TURBO_DEFAULT$", "!**/*.md", "$TURBO_ROOT$/babel.config.js"], "outputs": ["dist/**", "!dist/cache/**"], "env": ["API_URL"] },
          "test": { "dependsOn": ["build"], "inputs": ["src/**", "test/**"] },
          "lint": {},
          "dev": { "cache": false, "persistent": true },
        },
      }`),
      [],
      workspace,
    );
    expect(result.tasks).toEqual({
      build: { script: 'build', inputs: ['**', '!**/*.md'] },
      test: { script: 'test', inputs: ['src/**', 'test/**'] },
      outputs: ['dist/**'],
      env: ['CI', 'API_URL'],
      globalInputs: ['tsconfig*.json', 'tsconfig.base.json', 'scripts/**', 'babel.config.js'],
    });
    expect(result.notes).toEqual([
      'turbo.json: negated outputs !dist/cache/** of "build" are not carried over: their files are cached too',
      'turbo.json: environment patterns NEXT_PUBLIC_* are not carried over: tasks.env takes exact variable names',
      "tasks lint, dev are not run by Slipway: it runs each package's build and test",
    ]);
  });

  it("turns package tasks into overrides and names the dependencies Slipway does not run (solidjs/solid's turbo.json)", () => {
    const result = tasksFromTurbo(
      root(
        JSON.stringify({
          tasks: {
            build: { dependsOn: ['^build'] },
            'solid-js#build': { outputs: ['dist/**', '**/dist/**'], inputs: ['src/**'] },
            'solid-element#build': { dependsOn: ['solid-js#types'] },
            'solid-element#test': { dependsOn: ['solid-js#link'] },
            'solid-js#types': { dependsOn: ['^types'], outputs: ['types/**'] },
            'gone#build': { outputs: ['out/**'] },
            test: { outputs: [] },
          },
        }),
      ),
      [
        {
          path: 'packages/web/turbo.json',
          json: { extends: ['//'], tasks: { test: { inputs: ['e2e/**'] } } },
          packageName: 'web',
        },
      ],
      workspace,
    );
    expect(result.tasks.outputs).toEqual(['dist', 'dist/**', '**/dist/**']);
    expect(result.packages).toEqual({ 'solid-js': { inputs: { build: ['src/**'] } }, web: { inputs: { test: ['e2e/**'] } } });
    // A build's dependsOn is read by every run; a test's is not.
    expect(result.notes.join('\n')).not.toContain('"solid-element#build" depends on');
    expect(result.notes).toContain(
      'turbo.json: "solid-element#test" depends on solid-js#link: Slipway runs tests after every build, and nothing else before them',
    );
    expect(result.notes).toContain('turbo.json: "gone#build" names no workspace package');
    expect(result.notes).toContain("tasks solid-js#types are not run by Slipway: it runs each package's build and test");
  });

  it('reads Turborepo 1 pipelines, and takes test:unit as the test task when there is no test', () => {
    const result = tasksFromTurbo(root(JSON.stringify({ pipeline: { build: { outputs: ['lib/**'] }, 'test:unit': {} } })), [], workspace);
    expect(result.tasks).toEqual({ build: { script: 'build' }, test: { script: 'test:unit' }, outputs: ['lib/**'] });
  });

  it('refuses a turbo.json that is not JSON, or whose fields have the wrong type, naming the file and field', async () => {
    await expect(parsed('{ "tasks": { "build": { } ')).rejects.toThrow(/^turbo\.json is not valid JSON \(.* at line 1\)$/);
    await expect(parsed('[]')).rejects.toThrow('turbo.json is not valid JSON (not a JSON object)');
    expect(() => tasksFromTurbo(root('{ "tasks": { "build": { "outputs": "dist/**" } } }'), [], workspace)).toThrow(
      'turbo.json: tasks.build.outputs is not a list of strings',
    );
  });
});

describe('the starter configuration', () => {
  it('names the project after the root package, or the directory when the name cannot be one', () => {
    expect(projectNameOf('@acme/Shop_Site', 'x')).toBe('shop-site');
    expect(projectNameOf(undefined, '2025-monorepo')).toBe('monorepo');
    expect(projectNameOf('@@@', '---')).toBe('app');
  });

  it('is only the project without turbo.json, and lists what was not carried over as comments', () => {
    expect(configFileText('shop', undefined)).toContain('export default defineConfig({\n  "project": "shop"\n});');
    const text = configFileText('shop', { tasks: { outputs: ['lib/**'] }, packages: {}, notes: ['turbo.json: "x" depends on y'] });
    expect(text).toContain('// - turbo.json: "x" depends on y\n');
    expect(text).toContain('"outputs": [\n      "lib/**"\n    ]');
  });
});
