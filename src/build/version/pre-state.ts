import { readPreState } from '@changesets/pre';
import { Failure } from '../../shared/feedback/failure.ts';

/** What .changeset/pre.json holds: the mode, the prerelease tag, and the changesets already released in it. */
export type PreState = NonNullable<Awaited<ReturnType<typeof readPreState>>>;

const preStateFile = '.changeset/pre.json';

/**
 * changesets' prerelease mode, as `changeset pre enter <tag>` and `changeset pre exit` leave it in
 * .changeset/pre.json; undefined when the repository is not in it. A file changesets would
 * misread is a Failure naming the field, so a release is never numbered from a broken state.
 */
export async function readPrereleaseState(repoDir: string): Promise<PreState | undefined> {
  let state: unknown;
  try {
    state = await readPreState(repoDir);
  } catch (error) {
    throw new Failure(`${preStateFile} is not valid JSON: ${(error as Error).message}`, {
      hint: `Fix ${preStateFile}, or recreate it: delete it and run \`changeset pre enter <tag>\` again.`,
    });
  }
  if (state === undefined) return undefined;
  const problem = shapeProblem(state);
  if (problem) {
    throw new Failure(`${preStateFile} is not changesets' prerelease state: ${problem}`, {
      hint: `Recreate it with \`changeset pre enter <tag>\` (or leave prerelease mode with \`changeset pre exit\`); Slipway reads it as changesets writes it.`,
    });
  }
  return state as PreState;
}

function shapeProblem(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return 'expected an object';
  const { mode, tag, initialVersions, changesets } = state as Record<string, unknown>;
  if (mode !== 'pre' && mode !== 'exit') return `"mode" is ${JSON.stringify(mode)}, expected "pre" or "exit"`;
  if (typeof tag !== 'string' || !/^[0-9A-Za-z-]+$/.test(tag))
    return `"tag" is ${JSON.stringify(tag)}, expected a prerelease identifier such as "rc" (letters, digits, dashes)`;
  if (typeof initialVersions !== 'object' || initialVersions === null || Array.isArray(initialVersions))
    return '"initialVersions" is not an object of package versions';
  const badVersion = Object.entries(initialVersions).find(([, version]) => typeof version !== 'string');
  if (badVersion) return `"initialVersions"."${badVersion[0]}" is not a version string`;
  if (!Array.isArray(changesets) || !changesets.every((id) => typeof id === 'string')) return '"changesets" is not a list of changeset ids';
  return undefined;
}
