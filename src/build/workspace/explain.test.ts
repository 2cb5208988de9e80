import { describe, expect, it } from 'vitest';
import { explainMiss, explainPrerequisiteMiss, explainRebuild } from './explain.ts';
import type { HashInputs, PrerequisiteHash } from './types.ts';

const before: HashInputs = {
  files: { 'src/a.ts': '1', 'src/b.ts': '2', 'package.json': '3' },
  deps: { '@x/shared': 'h1', '@x/util': 'h2' },
  lockfile: 'l1',
  command: 'tsc -b',
  env: { API_URL: 'e1', NODE_ENV: 'e2' },
  global: { 'tsconfig.base.json': 'g1' },
};

describe('explainMiss', () => {
  it('says nothing when the inputs are the same', () => {
    expect(explainMiss(before, structuredClone(before))).toEqual([]);
  });

  it('names each changed, added and removed input', () => {
    const after: HashInputs = {
      files: { 'src/a.ts': '9', 'package.json': '3', 'src/c.ts': '4' },
      deps: { '@x/shared': 'h9', '@x/util': 'h2' },
      lockfile: 'l2',
      command: 'tsc -b --force',
      env: { API_URL: 'e9', NODE_ENV: 'e2' },
      global: { 'tsconfig.base.json': 'g2' },
    };
    expect(explainMiss(before, after)).toEqual([
      'src/a.ts changed',
      'src/b.ts removed',
      'src/c.ts added',
      'dependency @x/shared changed',
      'lockfile changed',
      'command changed: "tsc -b" -> "tsc -b --force"',
      'env API_URL changed',
      'global input tsconfig.base.json changed',
    ]);
  });
});

describe('explainRebuild', () => {
  const inputsWith = (files: Record<string, string>, deps: Record<string, string> = {}) => ({ ...before, files, deps });
  const previous = new Map([
    ['shared', { hash: 's1', inputs: inputsWith({ 'src/a.ts': '1' }) }],
    ['api', { hash: 'a1', inputs: inputsWith({ 'src/api.ts': '1' }, { shared: 's1' }) }],
    ['app', { hash: 'p1', inputs: inputsWith({ 'src/app.ts': '1' }, { api: 'a1', shared: 's1' }) }],
  ]);
  const current = new Map([
    ['shared', { hash: 's2', inputs: inputsWith({ 'src/a.ts': '2' }) }],
    ['api', { hash: 'a2', inputs: inputsWith({ 'src/api.ts': '1' }, { shared: 's2' }) }],
    ['app', { hash: 'p2', inputs: inputsWith({ 'src/app.ts': '1' }, { api: 'a2', shared: 's2' }) }],
  ]);

  it('follows changed dependencies down to the input that really changed, explaining each once', () => {
    const explanation = explainRebuild(
      'app',
      current,
      (name) => previous.get(name),
      () => false,
    );
    expect(explanation).toEqual({
      name: 'app',
      verdict: 'changed',
      reasons: ['dependency api changed', 'dependency shared changed'],
      because: [
        {
          name: 'api',
          verdict: 'changed',
          reasons: ['dependency shared changed'],
          because: [{ name: 'shared', verdict: 'changed', reasons: ['src/a.ts changed'], because: [] }],
        },
      ],
    });
  });

  it('reports a cached hash as a hit and a package never built as a first build', () => {
    expect(
      explainRebuild(
        'api',
        current,
        (name) => previous.get(name),
        (name) => name === 'api',
      ).verdict,
    ).toBe('hit');
    expect(
      explainRebuild(
        'shared',
        current,
        () => undefined,
        () => false,
      ),
    ).toEqual({ name: 'shared', verdict: 'first', reasons: [], because: [] });
  });
});

describe('explainPrerequisiteMiss', () => {
  const last: PrerequisiteHash = {
    name: 'solid-js#types',
    hash: 'k1',
    inputs: { build: 'b1', command: 'tsc -p tsconfig.build.json', outputs: ['types/**'], after: { '@solidjs/signals#types': 's1' } },
    buildInputs: before,
  };

  it("names its package's changed build inputs as a build's miss does, then its script, outputs and the prerequisites before it", () => {
    const now: PrerequisiteHash = {
      name: 'solid-js#types',
      hash: 'k2',
      inputs: { build: 'b2', command: 'tsc -b', outputs: ['types/**', 'dist/types/**'], after: { '@solidjs/signals#types': 's2' } },
      buildInputs: { ...before, files: { ...before.files, 'src/a.ts': 'changed' } },
    };
    expect(explainPrerequisiteMiss(last, now)).toEqual([
      'solid-js: src/a.ts changed',
      'command changed: "tsc -p tsconfig.build.json" -> "tsc -b"',
      'outputs changed: "types/**" -> "types/** dist/types/**"',
      'prerequisite @solidjs/signals#types changed',
    ]);
  });

  it('says nothing of its package when only a dependent changed, and names a build hash changed with the same inputs', () => {
    expect(explainPrerequisiteMiss(last, structuredClone(last))).toEqual([]);
    const rehashed = { ...last, inputs: { ...last.inputs, build: 'b9' } };
    expect(explainPrerequisiteMiss(last, rehashed)).toEqual(["solid-js's build inputs changed"]);
  });
});
