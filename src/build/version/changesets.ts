import { copyFile, mkdtemp, readdir, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getChangesets from '@changesets/read';
import { Failure } from '../../shared/feedback/failure.ts';

export type Changeset = Awaited<ReturnType<typeof getChangesets>>[number];

const bumpTypes = ['major', 'minor', 'patch', 'none'];

/** The repo-relative file a changeset was read from. */
export function changesetFile(id: string): string {
  return `.changeset/${id}.md`;
}

/**
 * Reads the pending changesets with changesets' own parser and checks that each names only
 * packages of the workspace. Every problem becomes a Failure that names the file.
 */
export async function readPendingChangesets(repoDir: string, packageNames: string[]): Promise<Changeset[]> {
  let changesets: Changeset[];
  try {
    changesets = await getChangesets(repoDir);
  } catch (error) {
    throw await explainUnreadable(repoDir, error as Error);
  }
  if (changesets.length === 0) {
    throw new Failure('no pending changesets: nothing to release', {
      hint: 'Add a changeset file .changeset/<name>.md: front matter between "---" lines mapping each changed package to its bump ("@scope/pkg": minor), then a summary of the change.',
    });
  }
  const known = new Set(packageNames);
  for (const changeset of changesets) {
    for (const release of changeset.releases) {
      if (known.has(release.name)) continue;
      throw new Failure(
        `changeset ${changesetFile(changeset.id)} names package '${release.name}', which is not in the workspace; packages: ${packageNames.join(', ')}`,
        {
          details: [
            `file: ${changesetFile(changeset.id)}`,
            `unknown package: ${release.name}`,
            `workspace packages: ${packageNames.join(', ')}`,
          ],
          hint: `Rename '${release.name}' to one of the workspace packages in ${changesetFile(changeset.id)}, or delete the changeset if its package is gone.`,
        },
      );
    }
  }
  return changesets;
}

/**
 * changesets' reader fails as a whole, without naming the file. Re-read each file alone (in a
 * scratch directory, so the repository is untouched) to find the culprit and say what is wrong.
 */
async function explainUnreadable(repoDir: string, error: Error): Promise<Failure> {
  const changesetDir = join(repoDir, '.changeset');
  let entries: string[];
  try {
    entries = await readdir(changesetDir);
  } catch {
    return new Failure('no .changeset directory: nothing to release', {
      hint: 'Set up changesets: create .changeset/config.json and add a changeset file .changeset/<name>.md describing the change.',
    });
  }
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-changeset-'));
  try {
    await mkdir(join(scratch, '.changeset'));
    for (const entry of entries.filter((name) => name.endsWith('.md') && !/^README\.md$/i.test(name) && !name.startsWith('.')).sort()) {
      const probe = join(scratch, '.changeset', entry);
      await copyFile(join(changesetDir, entry), probe);
      try {
        await getChangesets(scratch);
      } catch (fileError) {
        return describeParseError(`.changeset/${entry}`, (fileError as Error).message);
      } finally {
        await rm(probe, { force: true });
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return new Failure(`cannot read the changesets in .changeset: ${error.message.split('\n')[0]}`, { details: error.message.split('\n') });
}

function describeParseError(file: string, message: string): Failure {
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  const badType = /invalid version type "?([^"]*)"? for package "([^"]+)"/.exec(lines[0] ?? '');
  if (badType) {
    return new Failure(
      `changeset ${file} gives package '${badType[2]}' the invalid bump type '${badType[1]}'; valid types: ${bumpTypes.join(', ')}`,
      {
        details: [`file: ${file}`, ...lines],
        hint: `Use one of ${bumpTypes.join(', ')} for '${badType[2]}' in ${file}.`,
      },
    );
  }
  const reason = (lines[0] ?? 'unreadable').replace(/^could not parse changeset - /, '').replace(/\.$/, '');
  return new Failure(`changeset ${file} has malformed front matter: ${reason}`, {
    details: [`file: ${file}`, ...lines],
    hint: `Start ${file} with front matter between "---" lines mapping each package to a bump type, e.g. "@scope/pkg": minor, then the summary.`,
  });
}
