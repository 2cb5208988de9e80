import type { HashInputs } from './types.ts';

/**
 * PURE: why a package's hash differs from the one it had, one reason per line, e.g.
 * "src/a.ts changed", "dependency @x/shared changed", "lockfile changed", "env API_URL changed".
 */
export function explainMiss(previous: HashInputs, current: HashInputs): string[] {
  return [
    ...recordChanges(previous.files, current.files, (path) => path),
    ...recordChanges(previous.deps, current.deps, (name) => `dependency ${name}`),
    ...(previous.lockfile !== current.lockfile ? ['lockfile changed'] : []),
    ...(previous.command !== current.command ? [`command changed: "${previous.command}" -> "${current.command}"`] : []),
    ...recordChanges(previous.env, current.env, (key) => `env ${key}`),
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
