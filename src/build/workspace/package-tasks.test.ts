import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/validate.ts';
import { failureFrom } from '../../test-support/failure-of.ts';
import { resolvePackageTasks } from './package-tasks.ts';
import type { Workspace, WorkspacePackage } from './types.ts';

const pkg = (name: string, scripts: Record<string, string>): WorkspacePackage => ({
  name,
  version: '1.0.0',
  dir: `/repo/packages/${name}`,
  relDir: `packages/${name}`,
  scripts,
  manifest: {},
  workspaceDeps: [],
});

const workspace: Workspace = {
  root: '/repo',
  tool: 'npm',
  packages: [
    pkg('@scope/a', { build: 'tsc', test: 'vitest', 'build:lib': 'rollup -c' }),
    pkg('@scope/b', { build: 'tsc', test: 'vitest' }),
    pkg('docs', { build: 'astro build', test: 'astro check' }),
    pkg('tools', { test: 'node --test' }),
  ],
};

const resolve = (raw: Record<string, unknown>) => resolvePackageTasks(workspace, validateConfig({ project: 'p', ...raw }, 'c'));

describe('resolvePackageTasks', () => {
  it('gives every package the configured tasks where it has the script, and no override', () => {
    const tasks = resolve({ tasks: { test: { inputs: ['src/**'] } } });
    expect(tasks.get('@scope/a')).toEqual({
      build: { script: 'build', inputs: expect.arrayContaining(['**', '!**/*.test.*']) },
      test: { script: 'test', inputs: ['src/**'] },
      buildInputs: expect.arrayContaining(['**']),
      testInputs: ['src/**'],
      skipped: false,
      overrides: [],
    });
    expect(tasks.get('tools')!.build).toBeUndefined(); // no build script: no build task, still hashed
  });

  it('merges every matching entry in file order, later keys winning, field by field', () => {
    const tasks = resolve({
      packages: {
        '@scope/*': { test: false, inputs: { build: ['src/**'], test: ['src/**', 'test/**'] } },
        '@scope/a': { build: 'build:lib', inputs: { build: ['src/**', 'rollup.config.js'] } },
      },
    });
    const a = tasks.get('@scope/a')!;
    expect(a.build).toEqual({ script: 'build:lib', inputs: ['src/**', 'rollup.config.js'] });
    expect(a.test).toBeUndefined();
    expect(a.testInputs).toEqual(['src/**', 'test/**']); // from the glob: the later key set only build inputs
    expect(a.overrides).toEqual(['@scope/*', '@scope/a']);
    const b = tasks.get('@scope/b')!;
    expect(b.build).toEqual({ script: 'build', inputs: ['src/**'] });
    expect(b.overrides).toEqual(['@scope/*']);
    expect(tasks.get('docs')!.overrides).toEqual([]);
  });

  it('runs no task of a skipped package, yet keeps its inputs for its hash', () => {
    const docs = resolve({ packages: { docs: { skip: true } } }).get('docs')!;
    expect(docs).toMatchObject({ build: undefined, test: undefined, skipped: true, overrides: ['docs'] });
    expect(docs.buildInputs).toContain('**');
  });

  it('says which key matches no package, and which override names a script a package lacks', () => {
    const unmatched = failureFrom(() => resolve({ packages: { docs: { skip: true }, '@scpoe/*': { test: false } } }));
    expect(unmatched.specific).toBe('packages["@scpoe/*"] in the Slipway configuration matches no workspace package');
    expect(unmatched.details).toEqual(['packages: @scope/a, @scope/b, docs, tools']);
    const missing = failureFrom(() => resolve({ packages: { '@scope/*': { build: 'build:lib' }, docs: { test: 'lint' } } }));
    expect(missing.specific).toBe(
      'packages["@scope/*"].build in the Slipway configuration names "build:lib", which @scope/b has no script of',
    );
    expect(missing.details).toEqual(['@scope/b (packages/@scope/b) has scripts: build, test']);
    expect(missing.hint).toContain('`build: false`');
    // An object's inherited property is no script.
    const inherited = failureFrom(() => resolve({ packages: { docs: { build: 'constructor' } } }));
    expect(inherited.specific).toBe('packages["docs"].build in the Slipway configuration names "constructor", which docs has no script of');
  });
});
