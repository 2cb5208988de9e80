import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParseError } from 'jsonc-parser';
import { Failure } from '../../shared/feedback/failure.ts';
import { dependentsOf } from './graph.ts';
import { scriptText, type PackageTasks } from './package-tasks.ts';
import type { Workspace } from './types.ts';

/** A script of a workspace package that must run before a build: turbo.json's `pkg#task`. */
export interface Prerequisite {
  package: string;
  script: string;
  /** The prerequisites (`pkg#script`) that must end before it starts; the others run beside it, as in Turborepo. */
  after: string[];
  /** turbo.json's `outputs` of the task: globs relative to its package, cached with it (none: only its success is). */
  outputs: string[];
  /** False for a task turbo.json says `"cache": false` of: it runs each time it is needed. */
  cache: boolean;
}

/**
 * turbo.json at the workspace root, as an object (comments allowed, as Turborepo allows them);
 * undefined when there is none. One that cannot be read is a Failure naming it.
 */
export async function readTurboJson(root: string): Promise<Record<string, unknown> | undefined> {
  const path = join(root, 'turbo.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return parseTurboJson(text, path);
}

/**
 * A turbo.json's text read as Turborepo reads it (JSON with comments and trailing commas); `path`
 * names it in the Failure. The parser is loaded only here: most runs have no turbo.json.
 */
export async function parseTurboJson(text: string, path: string): Promise<Record<string, unknown>> {
  const { parse, printParseErrorCode } = await import('jsonc-parser');
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length) {
    const { error, offset } = errors[0];
    const line = text.slice(0, offset).split('\n').length;
    throw new Failure(`${path} is not valid JSON (${printParseErrorCode(error)} at line ${line})`, {
      hint: 'fix the file (Turborepo reads it too), or remove it',
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Failure(`${path} is not valid JSON (not a JSON object)`, { hint: 'fix the file (Turborepo reads it too), or remove it' });
  return value as Record<string, unknown>;
}

/**
 * PURE: the scripts each package's build needs run first, from turbo.json's `dependsOn` for its
 * build (its `pkg#build` task, else `build`): `types` (its own script), `^types` (that script of
 * each workspace dependency), `solid-js#types` (another package's), followed through those
 * tasks' own dependsOn, in the order they must run. Builds (`^build`, `pkg#build`) are not
 * prerequisites: Slipway builds packages in dependency order. A task a package has no script of
 * is nothing to run, as in Turborepo.
 */
export function buildPrerequisites(
  workspace: Workspace,
  turbo: Record<string, unknown> | undefined,
  tasks: ReadonlyMap<string, PackageTasks>,
): Map<string, Prerequisite[]> {
  const definitions = (turbo?.tasks ?? turbo?.pipeline ?? {}) as Record<
    string,
    { dependsOn?: unknown; outputs?: unknown; cache?: unknown } | undefined
  >;
  const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
  const isBuild = (name: string, task: string) => task === (tasks.get(name)?.build?.script ?? 'build');
  const own = (key: string) => (Object.hasOwn(definitions, key) ? definitions[key] : undefined);
  const dependsOn = (name: string, task: string): string[] => {
    const entries = (own(`${name}#${task}`) ?? own(task))?.dependsOn;
    return Array.isArray(entries) ? entries.filter((entry): entry is string => typeof entry === 'string' && !entry.startsWith('$')) : [];
  };
  // What turbo.json says of caching the task: its `pkg#task` definition, else its task's.
  const cachingOf = (name: string, task: string): Pick<Prerequisite, 'outputs' | 'cache'> => {
    const key = own(`${name}#${task}`) ? `${name}#${task}` : task;
    const field = `${turbo?.tasks ? 'tasks' : 'pipeline'}["${key}"]`;
    const { outputs = [], cache = true } = own(key) ?? {};
    if (!Array.isArray(outputs) || !outputs.every((glob) => typeof glob === 'string'))
      throw new Failure(`turbo.json: ${field}.outputs is not a list of globs`, {
        details: [`found: ${JSON.stringify(outputs)}`],
        hint: 'write it as Turborepo reads it, e.g. "outputs": ["types/**"]',
      });
    if (typeof cache !== 'boolean')
      throw new Failure(`turbo.json: ${field}.cache is not true or false`, { details: [`found: ${JSON.stringify(cache)}`] });
    return { outputs: outputs as string[], cache };
  };
  const result = new Map<string, Prerequisite[]>();
  for (const pkg of workspace.packages) {
    if (!tasks.get(pkg.name)?.build) continue;
    const ordered: Prerequisite[] = [];
    const visiting: string[] = [];
    const runnable = new Map<string, string[]>();
    // The prerequisites a task stands for: itself when the package has its script, else (a task
    // with no script, as in Turborepo) the ones it depends on.
    const visit = (name: string, task: string, from: string): string[] => {
      if (!byName.has(name)) {
        throw new Failure(`turbo.json: "${from}" names ${name}, which is not a workspace package`, {
          details: [`packages: ${workspace.packages.map((p) => p.name).join(', ')}`],
          hint: 'fix the task name in turbo.json (package#task)',
        });
      }
      const id = `${name}#${task}`;
      if (isBuild(name, task)) return [];
      if (runnable.has(id)) return runnable.get(id)!;
      if (visiting.includes(id))
        throw new Failure(`turbo.json: the tasks depend on each other in a cycle: ${[...visiting, id].join(' -> ')}`);
      visiting.push(id);
      const after = [...new Set(dependsOn(name, task).flatMap((entry) => follow(name, entry)))];
      visiting.pop();
      const stands = scriptText(byName.get(name)!, task) === undefined ? after : [id];
      if (stands[0] === id) ordered.push({ package: name, script: task, after, ...cachingOf(name, task) });
      runnable.set(id, stands);
      return stands;
    };
    const follow = (name: string, entry: string): string[] => {
      if (entry.startsWith('^')) return byName.get(name)!.workspaceDeps.flatMap((dep) => visit(dep, entry.slice(1), entry));
      if (entry.includes('#')) return visit(entry.slice(0, entry.lastIndexOf('#')), entry.slice(entry.lastIndexOf('#') + 1), entry);
      return visit(name, entry, entry);
    };
    for (const entry of dependsOn(pkg.name, tasks.get(pkg.name)!.build!.script)) follow(pkg.name, entry);
    if (ordered.length) result.set(pkg.name, ordered);
  }
  return result;
}

/**
 * PURE: the workspace with each package depending on the packages whose scripts its build needs
 * first: they are built before it, and its hash covers theirs. One that depends on it already
 * would make a cycle: a Failure naming turbo.json.
 */
export function withPrerequisites(workspace: Workspace, prerequisites: ReadonlyMap<string, Prerequisite[]>): Workspace {
  return {
    ...workspace,
    packages: workspace.packages.map((pkg) => {
      const others = [...new Set((prerequisites.get(pkg.name) ?? []).map((p) => p.package))].filter((name) => name !== pkg.name);
      const added = others.filter((name) => !pkg.workspaceDeps.includes(name));
      for (const name of added) {
        if (dependentsOf(workspace, [pkg.name]).includes(name)) {
          throw new Failure(`turbo.json: ${pkg.name}'s build needs a script of ${name}, which depends on ${pkg.name}`, {
            hint: 'Slipway builds a package after the packages whose scripts it needs; drop that dependsOn entry or the dependency',
          });
        }
      }
      return added.length ? { ...pkg, workspaceDeps: [...pkg.workspaceDeps, ...added] } : pkg;
    }),
  };
}
