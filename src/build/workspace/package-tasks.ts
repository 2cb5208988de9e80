import type { Config } from '../../config/schema.ts';
import type { PackageOverride } from '../../config/tasks-schema.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { nameMatcher } from './outputs.ts';
import type { Workspace, WorkspacePackage } from './types.ts';

export interface PackageTask {
  /** The package.json script it runs. */
  script: string;
  /** Package-relative globs in order, `!` negating: the files whose content the task reads. */
  inputs: string[];
}

/** What Slipway does in one package, after the configuration's `packages` overrides. */
export interface PackageTasks {
  /** Its build; undefined when there is none to run (no such script, `build: false`, or skipped). */
  build?: PackageTask;
  test?: PackageTask;
  /** The build inputs, which hash the package even when it has no build (its dependents build on its files). */
  buildInputs: string[];
  testInputs: string[];
  /** `skip: true`: none of its tasks run; it is still hashed, so its dependents stay correct. */
  skipped: boolean;
  /** The `packages` keys that matched it, in file order. */
  overrides: string[];
}

/**
 * PURE: each package's tasks: the configured `tasks`, then every `packages` entry whose key (a
 * name or a glob of names) matches, merged in file order, later keys winning. A key matching no
 * package, or an override naming a script the package lacks, is a Failure naming the key.
 */
export function resolvePackageTasks(workspace: Workspace, config: Pick<Config, 'tasks' | 'packages'>): Map<string, PackageTasks> {
  const entries = Object.entries(config.packages).map(([key, override]) => ({ key, override, matches: nameMatcher(key) }));
  for (const { key, matches } of entries) {
    if (!workspace.packages.some((pkg) => matches(pkg.name))) {
      throw new Failure(`packages["${key}"] in the Slipway configuration matches no workspace package`, {
        details: [`packages: ${workspace.packages.map((pkg) => pkg.name).join(', ')}`],
        hint: 'use a package name from its package.json, or a glob of names such as "@scope/*"; or remove the entry',
      });
    }
  }
  return new Map(
    workspace.packages.map((pkg) => {
      const matching = entries.filter(({ matches }) => matches(pkg.name));
      const merged: PackageOverride = {};
      for (const { override } of matching) Object.assign(merged, override, { inputs: { ...merged.inputs, ...override.inputs } });
      const keys = matching.map(({ key }) => key);
      const buildInputs = merged.inputs?.build ?? config.tasks.build.inputs;
      const testInputs = merged.inputs?.test ?? config.tasks.test.inputs;
      const skipped = merged.skip === true;
      const task = (override: string | false | undefined, configured: string, inputs: string[], field: 'build' | 'test') => {
        if (skipped || override === false) return undefined;
        const script = override ?? configured;
        if (scriptText(pkg, script) !== undefined) return { script, inputs };
        if (override === undefined) return undefined; // the configured script runs where a package has it
        const key = [...matching].reverse().find(({ override: entry }) => entry[field] !== undefined)!.key;
        throw missingScript(pkg, script, key, field);
      };
      const tasks: PackageTasks = {
        build: task(merged.build, config.tasks.build.script, buildInputs, 'build'),
        test: task(merged.test, config.tasks.test.script, testInputs, 'test'),
        buildInputs,
        testInputs,
        skipped,
        overrides: keys,
      };
      return [pkg.name, tasks];
    }),
  );
}

function missingScript(pkg: WorkspacePackage, script: string, key: string, field: string): Failure {
  return new Failure(`packages["${key}"].${field} in the Slipway configuration names "${script}", which ${pkg.name} has no script of`, {
    details: [`${pkg.name} (${pkg.relDir}) has scripts: ${Object.keys(pkg.scripts).join(', ') || 'none'}`],
    hint: `name one of its scripts, or \`${field}: false\` for no ${field} task in it`,
  });
}

/** The package's script of that name; undefined when it has none (never an inherited property such as "constructor"). */
export function scriptText(pkg: WorkspacePackage, script: string): string | undefined {
  const text = Object.hasOwn(pkg.scripts, script) ? pkg.scripts[script] : undefined;
  return typeof text === 'string' ? text : undefined;
}
