import type { HashInputs, PrerequisiteHash, TestInputs } from './types.ts';

/**
 * PURE: why a package's hash differs from the one it had, one reason per line, e.g.
 * "src/a.ts changed", "dependency @x/shared changed", "lockfile changed", "env API_URL changed",
 * "global input tsconfig.base.json changed".
 */
export function explainMiss(previous: HashInputs, current: HashInputs): string[] {
  return [
    ...recordChanges(previous.files, current.files, (path) => path),
    ...recordChanges(previous.deps, current.deps, (name) => `dependency ${name}`),
    ...(previous.lockfile !== current.lockfile ? ['lockfile changed'] : []),
    ...(previous.command !== current.command ? [`command changed: "${previous.command}" -> "${current.command}"`] : []),
    ...recordChanges(previous.env, current.env, (key) => `env ${key}`),
    ...recordChanges(previous.global ?? {}, current.global, (path) => `global input ${path}`),
  ];
}

/**
 * PURE: why a package's test key differs from the one its tests last ran with: "build changed"
 * (its build hash: see explainMiss), "test input src/a.test.ts changed", a changed command.
 */
export function explainTestMiss(previous: TestInputs, current: TestInputs): string[] {
  return [
    ...(previous.build !== current.build ? ['build changed'] : []),
    ...recordChanges(previous.files, current.files, (path) => `test input ${path}`),
    ...(previous.command !== current.command ? [`command changed: "${previous.command}" -> "${current.command}"`] : []),
  ];
}

/**
 * PURE: why a turbo.json prerequisite's key differs from the one it last ran with, in the terms
 * of builds: its package's build inputs that changed ("solid-js: src/a.ts changed"), its script,
 * its outputs, a prerequisite it runs after.
 */
export function explainPrerequisiteMiss(previous: PrerequisiteHash, current: PrerequisiteHash): string[] {
  const owner = current.name.slice(0, current.name.lastIndexOf('#'));
  const [before, now] = [previous.inputs, current.inputs];
  const build =
    before.build === now.build ? [] : explainMiss(previous.buildInputs, current.buildInputs).map((reason) => `${owner}: ${reason}`);
  return [
    // The same inputs with another hash: a change of Slipway's hash format.
    ...(before.build !== now.build && build.length === 0 ? [`${owner}'s build inputs changed`] : build),
    ...(before.command !== now.command ? [`command changed: "${before.command}" -> "${now.command}"`] : []),
    ...(JSON.stringify(before.outputs) !== JSON.stringify(now.outputs)
      ? [`outputs changed: "${before.outputs.join(' ')}" -> "${now.outputs.join(' ')}"`]
      : []),
    ...recordChanges(before.after, now.after, (name) => `prerequisite ${name}`),
  ];
}

function recordChanges(previous: Record<string, string>, current: Record<string, string>, label: (key: string) => string): string[] {
  const keys = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort();
  return keys.flatMap((key) => {
    if (!(key in previous)) return [`${label(key)} added`];
    if (!(key in current)) return [`${label(key)} removed`];
    return previous[key] === current[key] ? [] : [`${label(key)} changed`];
  });
}

export interface MissExplanation {
  name: string;
  /** 'hit': this exact hash is cached; 'first': nothing recorded to compare with; 'changed': see reasons. */
  verdict: 'hit' | 'first' | 'changed';
  reasons: string[];
  /** The same explanation for each workspace dependency that changed, which is why this one did. */
  because: MissExplanation[];
}

/**
 * PURE: why `name` would be rebuilt, following changed workspace dependencies down to the inputs
 * that really changed (the same dependency is explained once).
 */
export function explainRebuild(
  name: string,
  current: ReadonlyMap<string, { hash: string; inputs: HashInputs }>,
  previous: (name: string) => { hash: string; inputs: HashInputs } | undefined,
  isCached: (name: string) => boolean,
  explained = new Set<string>(),
): MissExplanation {
  explained.add(name);
  if (isCached(name)) return { name, verdict: 'hit', reasons: [], because: [] };
  const before = previous(name);
  if (!before) return { name, verdict: 'first', reasons: [], because: [] };
  const reasons = explainMiss(before.inputs, current.get(name)!.inputs);
  const because: MissExplanation[] = [];
  for (const reason of reasons) {
    const dep = /^dependency (.+) changed$/.exec(reason)?.[1];
    // Checked as we go: a dependency explained deeper down is not explained again.
    if (dep !== undefined && current.has(dep) && !explained.has(dep))
      because.push(explainRebuild(dep, current, previous, isCached, explained));
  }
  return { name, verdict: 'changed', reasons, because };
}
