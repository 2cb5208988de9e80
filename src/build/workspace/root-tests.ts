import { join } from 'node:path';
import { sha256 } from '../../shared/hash.ts';
import { readManifestFile } from '../../shared/json-files.ts';
import type { WorkTreeListing } from './files.ts';
import { readRootFiles } from './hash.ts';
import type { Workspace } from './types.ts';

/** A test script only the workspace root has (a root jest with `projects`, a vitest workspace): run once, as one task. */
export interface RootTests {
  /** What feedback calls it: the root package.json's name, or "(root)". */
  name: string;
  /** The script's text. */
  command: string;
}

/** What a run of the root's test script reads, and so what its results are the results of. */
export interface RootTestInputs {
  /** Every package's test key: a root runner reads every package, so an edited test in any re-runs it. */
  packages: Record<string, string>;
  /** The workspace-level files no package owns (jest.config.js, vitest.workspace.ts, the lockfile), with blob ids. */
  files: Record<string, string>;
  command: string;
}

/**
 * The root package.json's test script, when it has one by that name and the root is no package
 * itself (a single-package repository's tasks, overrides included, are its package's).
 */
export async function readRootTests(ws: Workspace, script: string): Promise<RootTests | undefined> {
  if (ws.packages.some((pkg) => pkg.relDir === '.')) return undefined;
  const manifest = await readManifestFile(join(ws.root, 'package.json')).catch(() => undefined);
  const scripts = manifest?.scripts as Record<string, unknown> | undefined;
  const command = scripts && Object.hasOwn(scripts, script) ? scripts[script] : undefined;
  if (typeof command !== 'string') return undefined;
  return { name: typeof manifest?.name === 'string' && manifest.name !== '' ? manifest.name : '(root)', command };
}

/** The key of the root test script's results; `outputs` (workspace-relative) are never its inputs. */
export async function rootTestKey(
  ws: Workspace,
  opts: { packages: Record<string, string>; command: string; outputs: string[]; workTree?: WorkTreeListing },
): Promise<string> {
  const files = await readRootFiles(ws, opts.outputs, opts.workTree);
  return hashOfRootTestInputs({ packages: opts.packages, files, command: opts.command });
}

/** PURE: the hash of the root test inputs, independent of the order keys were collected in. */
export function hashOfRootTestInputs(inputs: RootTestInputs): string {
  return sha256(JSON.stringify(['slipway-root-tests-1', sorted(inputs.packages), sorted(inputs.files), inputs.command]));
}

const sorted = (record: Record<string, string>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Whether a root script only runs the packages' own scripts (`turbo run test`, `lerna run test`,
 * `nx run-many`, `npm test --workspaces`, `pnpm -r test`, `yarn workspaces foreach`): with no
 * package having that script, running it would test nothing and pass.
 */
export function delegatesToPackages(command: string): boolean {
  return /\b(turbo|lerna|nx)\s+(run|run-many|exec)\b|\b(npm|yarn)\b.*\s(--workspaces?|-ws)\b|\bpnpm\b.*\s(-r|--recursive)\b|\byarn\s+workspaces\s+(foreach|run)\b/.test(
    command,
  );
}
