import { cp, mkdir, readdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { git as runGit } from '../shared/git.ts';
import { injectFault, type FaultKind } from './faults.ts';

export const exampleDir = fileURLToPath(new URL('../../examples/embark', import.meta.url));

const notCopied = new Set(['node_modules', 'dist', 'reports', 'coverage', '.slipway']);

/**
 * Makes a git repository from the example, the way a team's repository looks at a merge: main
 * holds the example without its pending changeset; a feature branch adds the changeset (and the
 * fault, if any); the branch is merged to main with a merge commit, which triggers the pipeline.
 */
export async function prepareDemoRepo(opts: {
  parentDir: string;
  fault?: FaultKind;
}): Promise<{ repoDir: string; faultDescription?: string }> {
  await mkdir(opts.parentDir, { recursive: true });
  const repoDir = join(
    opts.parentDir,
    `embark-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${process.pid}`,
  );
  await cp(exampleDir, repoDir, { recursive: true, filter: (src) => !notCopied.has(basename(src)) });
  const git = (...args: string[]) => runGit(repoDir, args);
  const changesetDir = join(repoDir, '.changeset');
  const pending = (await readdir(changesetDir)).filter((file) => file.endsWith('.md') && file !== 'README.md');
  const parked = join(opts.parentDir, `.parked-${process.pid}`);
  await mkdir(parked, { recursive: true });
  for (const file of pending) await rename(join(changesetDir, file), join(parked, file));

  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'Embark Developer');
  await git('config', 'user.email', 'dev@embark.example');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'Embark: initial import');

  await git('checkout', '-q', '-b', 'feature/notes-search');
  for (const file of pending) await rename(join(parked, file), join(changesetDir, file));
  let faultDescription: string | undefined;
  if (opts.fault) faultDescription = (await injectFault(repoDir, opts.fault)).description;
  await git('add', '-A');
  await git('commit', '-q', '-m', opts.fault ? `Notes: search (with fault: ${opts.fault})` : 'Notes: search');
  await git('checkout', '-q', 'main');
  await git('merge', '-q', '--no-ff', '-m', 'Merge branch feature/notes-search into main', 'feature/notes-search');
  return { repoDir, faultDescription };
}
