import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/validate.ts';
import { failureFrom, failureOf } from '../../test-support/failure-of.ts';
import { topologicalLevels } from './graph.ts';
import { resolvePackageTasks } from './package-tasks.ts';
import { buildPrerequisites, readTurboJson, withPrerequisites, type Prerequisite } from './turbo.ts';
import type { Workspace, WorkspacePackage } from './types.ts';

const pkg = (name: string, scripts: string[], workspaceDeps: string[] = []): WorkspacePackage => ({
  name,
  version: '1.0.0',
  dir: `/repo/packages/${name}`,
  relDir: `packages/${name}`,
  scripts: Object.fromEntries(scripts.map((script) => [script, `run ${script}`])),
  manifest: {},
  workspaceDeps,
});

/** As solidjs/solid has it: signals <- solid-js <- web; element needs solid-js's and web's types, not as dependencies. */
const workspace: Workspace = {
  root: '/repo',
  tool: 'pnpm',
  packages: [
    pkg('@solidjs/signals', ['build', 'types']),
    pkg('solid-js', ['build', 'types'], ['@solidjs/signals']),
    pkg('@solidjs/web', ['build', 'types', 'link'], ['solid-js']),
    pkg('@solidjs/element', ['build']),
    pkg('docs', ['build']),
  ],
};

const turbo = {
  tasks: {
    build: { dependsOn: ['^build', '^types'] },
    'solid-js#types': { dependsOn: ['@solidjs/signals#types'] },
    '@solidjs/web#build': { dependsOn: ['solid-js#types', '@solidjs/web#link', 'types'] },
    '@solidjs/web#link': { dependsOn: ['solid-js#build'] },
    '@solidjs/element#build': { dependsOn: ['solid-js#types', '@solidjs/web#types', '$LEGACY_ENV'] },
    types: { dependsOn: ['^types'] },
  },
};

const tasks = resolvePackageTasks(workspace, validateConfig({ project: 'p' }, 'c'));
const names = (list: { package: string; script: string }[] | undefined) => list?.map((p) => `${p.package}#${p.script}`);

describe('buildPrerequisites', () => {
  it("orders the scripts each build needs first, following those tasks' own dependsOn, builds left to the graph", () => {
    const prerequisites = buildPrerequisites(workspace, turbo, tasks);
    expect(names(prerequisites.get('@solidjs/signals'))).toBeUndefined();
    expect(names(prerequisites.get('solid-js'))).toEqual(['@solidjs/signals#types']); // ^types
    expect(names(prerequisites.get('@solidjs/web'))).toEqual([
      '@solidjs/signals#types',
      'solid-js#types',
      '@solidjs/web#link', // its dependsOn solid-js#build is a build: the graph's order
      '@solidjs/web#types',
    ]);
    expect(names(prerequisites.get('@solidjs/element'))).toEqual(['@solidjs/signals#types', 'solid-js#types', '@solidjs/web#types']);
    // Each waits only for what it depends on: web's link and solid-js's types run side by side.
    const after = (list: Prerequisite[] | undefined) => Object.fromEntries((list ?? []).map((p) => [`${p.package}#${p.script}`, p.after]));
    expect(after(prerequisites.get('@solidjs/web'))).toEqual({
      '@solidjs/signals#types': [],
      'solid-js#types': ['@solidjs/signals#types'],
      '@solidjs/web#link': [],
      '@solidjs/web#types': ['solid-js#types'],
    });
    expect(names(prerequisites.get('docs'))).toBeUndefined();
    // The same from Turborepo 1's "pipeline", and nothing without a turbo.json.
    expect(buildPrerequisites(workspace, { pipeline: turbo.tasks }, tasks)).toEqual(prerequisites);
    expect(buildPrerequisites(workspace, undefined, tasks)).toEqual(new Map());
    // Names of an object's inherited properties are neither tasks nor scripts.
    const inherited = { tasks: { build: { dependsOn: ['constructor', 'toString', '__proto__'] } } };
    expect(buildPrerequisites(workspace, inherited, tasks)).toEqual(new Map());
  });

  it('builds a package after those whose scripts it needs, so its hash covers theirs', () => {
    const augmented = withPrerequisites(workspace, buildPrerequisites(workspace, turbo, tasks));
    expect(augmented.packages.find((p) => p.name === '@solidjs/element')!.workspaceDeps).toEqual([
      '@solidjs/signals',
      'solid-js',
      '@solidjs/web',
    ]);
    expect(topologicalLevels(augmented)).toEqual([['@solidjs/signals', 'docs'], ['solid-js'], ['@solidjs/web'], ['@solidjs/element']]);
  });

  it('names turbo.json for a task of an unknown package, a cycle of tasks, and a prerequisite that depends on the build', () => {
    const unknown = failureFrom(() => buildPrerequisites(workspace, { tasks: { build: { dependsOn: ['solid#types'] } } }, tasks));
    expect(unknown.specific).toBe('turbo.json: "solid#types" names solid, which is not a workspace package');
    const cycle = failureFrom(() =>
      buildPrerequisites(workspace, { tasks: { build: { dependsOn: ['a'] }, a: { dependsOn: ['b'] }, b: { dependsOn: ['a'] } } }, tasks),
    );
    expect(cycle.specific).toBe(
      'turbo.json: the tasks depend on each other in a cycle: @solidjs/signals#a -> @solidjs/signals#b -> @solidjs/signals#a',
    );
    const backwards = { tasks: { '@solidjs/signals#build': { dependsOn: ['@solidjs/web#types'] } } };
    const dependsOnIt = failureFrom(() => withPrerequisites(workspace, buildPrerequisites(workspace, backwards, tasks)));
    expect(dependsOnIt.specific).toBe(
      "turbo.json: @solidjs/signals's build needs a script of @solidjs/web, which depends on @solidjs/signals",
    );
  });
});

describe('the outputs of a prerequisite', () => {
  it("reads its `pkg#task` definition's outputs, else its task's, none when neither has any", () => {
    const withOutputs = {
      tasks: {
        ...turbo.tasks,
        'solid-js#types': { ...turbo.tasks['solid-js#types'], outputs: ['types/**', '!types/cache/**'] },
        types: { ...turbo.tasks.types, outputs: ['dist/types/**'] },
      },
    };
    const web = buildPrerequisites(workspace, withOutputs, tasks).get('@solidjs/web')!;
    const outputs = Object.fromEntries(web.map((p) => [`${p.package}#${p.script}`, p.outputs]));
    expect(outputs).toEqual({
      '@solidjs/signals#types': ['dist/types/**'],
      'solid-js#types': ['types/**', '!types/cache/**'],
      '@solidjs/web#link': [],
      '@solidjs/web#types': ['dist/types/**'],
    });
    expect(web.every((p) => p.cache)).toBe(true);
  });

  it('runs a task turbo.json says `"cache": false` of each time', () => {
    const uncached = { tasks: { ...turbo.tasks, '@solidjs/web#link': { ...turbo.tasks['@solidjs/web#link'], cache: false } } };
    const web = buildPrerequisites(workspace, uncached, tasks).get('@solidjs/web')!;
    expect(web.filter((p) => !p.cache).map((p) => `${p.package}#${p.script}`)).toEqual(['@solidjs/web#link']);
  });

  it('names the task and the field when its outputs are not a list of globs, or its cache not a boolean', () => {
    const bad = { tasks: { ...turbo.tasks, types: { ...turbo.tasks.types, outputs: 'types/**' } } };
    const failure = failureFrom(() => buildPrerequisites(workspace, bad, tasks));
    expect(failure.specific).toBe('turbo.json: tasks["types"].outputs is not a list of globs');
    expect(failure.details).toEqual(['found: "types/**"']);
    const cache = { tasks: { ...turbo.tasks, 'solid-js#types': { ...turbo.tasks['solid-js#types'], cache: 'no' } } };
    expect(failureFrom(() => buildPrerequisites(workspace, cache, tasks)).specific).toBe(
      'turbo.json: tasks["solid-js#types"].cache is not true or false',
    );
  });
});

describe('readTurboJson', () => {
  it('reads comments as Turborepo does, and names the file when it is not JSON', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-turbo-'));
    try {
      expect(await readTurboJson(root)).toBeUndefined();
      await writeFile(
        join(root, 'turbo.json'),
        '{\n  // the schema\n  "$schema": "https://turbo.build/schema.json", /* tasks */ "tasks": { "build": { "dependsOn": ["^build"] } }\n}\n',
      );
      expect(await readTurboJson(root)).toEqual({
        $schema: 'https://turbo.build/schema.json',
        tasks: { build: { dependsOn: ['^build'] } },
      });
      await writeFile(join(root, 'turbo.json'), '{ "tasks": { "build": } }');
      const failure = await failureOf(readTurboJson(root));
      expect(failure.specific).toMatch(new RegExp(`^${join(root, 'turbo.json')} is not valid JSON \\(`));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
