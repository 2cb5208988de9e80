import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a package manager's own record in node_modules says about the install there: whether it
 * matches the lockfile, as the manager itself would judge, or why not.
 */
export type InstalledState = { matches: true; evidence: string } | { matches: false; reason: string };

export const matches = (evidence: string): InstalledState => ({ matches: true, evidence });
export const differs = (reason: string): InstalledState => ({ matches: false, reason });

/** The manifests of the root (first, relDir '.') and the workspace packages, whose declared dependencies the lockfile must record. */
export type Manifests = Array<{ relDir: string; manifest: Record<string, unknown> }>;

/** The kinds of dependencies every package manager installs and records per package. */
export const dependencyKinds = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

/** A manifest's declared dependencies of one kind, name to range. */
export function declaredOf(manifest: Record<string, unknown>, kind: string): Record<string, string> {
  const ranges = manifest[kind];
  if (!ranges || typeof ranges !== 'object') return {};
  return Object.fromEntries(Object.entries(ranges).map(([name, range]) => [name, String(range)]));
}

/** The platform an install ran for, as npm's `os`, `cpu` and `libc` fields and Yarn's conditions name it. */
export interface Platform {
  os: string;
  cpu: string;
  /** On Linux, the C library Node was built against (npm skips packages built for the other one). */
  libc?: 'glibc' | 'musl';
}

let libc: { value: Platform['libc'] } | undefined;
/**
 * This machine's platform. The libc comes from Node's diagnostic report, which takes several
 * milliseconds: it is read only when a package's conditions name a libc, once per process.
 */
export function thisPlatform(): Platform {
  return {
    os: process.platform,
    cpu: process.arch,
    get libc() {
      libc ??= { value: process.platform === 'linux' ? libcOfReport() : undefined };
      return libc.value;
    },
  };
}

function libcOfReport(): Platform['libc'] {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header ? (header.glibcVersionRuntime ? 'glibc' : 'musl') : undefined;
}

/**
 * PURE: whether a package limited to some platforms (npm's `os`/`cpu`/`libc` lists, with "!"
 * negations) is certainly not installed on this one. Unknown or absent limits mean it may be.
 */
export function excludedOn(platform: Platform, limits: Record<string, unknown>): boolean {
  const excludes = (list: unknown, value: string | undefined): boolean => {
    if (value === undefined || !Array.isArray(list) || list.length === 0) return false;
    const names = list.filter((name): name is string => typeof name === 'string');
    if (names.includes(`!${value}`)) return true;
    const allowed = names.filter((name) => !name.startsWith('!'));
    return allowed.length > 0 && !allowed.includes(value);
  };
  return excludes(limits.os, platform.os) || excludes(limits.cpu, platform.cpu) || excludes(limits.libc, platform.libc);
}

/** A YAML file's content; undefined when it is missing or not YAML (a record that cannot be read proves nothing). */
export async function readYaml<T>(path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The YAML parser is loaded only by the managers that keep YAML records (pnpm, Yarn 4), not on npm's every run.
  const { parse } = await import('yaml');
  try {
    return (parse(text) as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Yarn 2 and later: how it links packages (`nodeLinker` in .yarnrc.yml; Plug'n'Play, "pnp", by default). */
export async function yarnNodeLinker(root: string): Promise<string> {
  const yarnrc = await readYaml<{ nodeLinker?: unknown }>(join(root, '.yarnrc.yml'));
  return typeof yarnrc?.nodeLinker === 'string' ? yarnrc.nodeLinker : 'pnp';
}
