import type { PipelineStage } from './context.ts';
import { gitResult } from '../shared/git.ts';
import { counted } from '../shared/plural.ts';

export interface TriggerOutputs {
  commit: string;
  branch: string;
  subject: string;
  author: string;
  changedFiles: string[];
  /** Paths changed in the work tree and not committed: what the run builds and tests besides the commit. */
  uncommitted: string[];
}

/** Stage 1: what started the run: the merge commit on main, and what it changed. */
export const trigger: PipelineStage<TriggerOutputs> = {
  id: 'trigger',
  title: 'Trigger',
  phase: 'ci',
  needs: [],
  failure: 'Could not read the triggering commit',
  async run(ctx) {
    // The commit and the files it changed in one git process: a merge commit's changes relative to
    // its first parent, a root commit's everything.
    const [show, status] = await Promise.all([
      gitResult(ctx.repoDir, ['show', '--format=%H%n%an%n%s', '--name-only', '-m', '--first-parent', ctx.run.commit]),
      gitResult(ctx.repoDir, ['status', '--porcelain', '-z', '--untracked-files=all']),
    ]);
    if (show.code !== 0) throw new Error(`git show ${ctx.run.commit}: ${show.stderr.trim()}`);
    const [commit, author, subject, ...files] = show.stdout.split('\n');
    const changedFiles = files.filter(Boolean);
    const uncommitted = uncommittedPaths(status.stdout);
    // Uncommitted edits are what is built and tested, not only the commit: the line says so.
    const edits = uncommitted.length
      ? `; with ${counted(uncommitted.length, 'uncommitted change')} in the work tree, tested as they are`
      : '';
    return {
      summary: `${ctx.run.branch} @ ${commit.slice(0, 10)} "${subject}" by ${author} (${counted(changedFiles.length, 'file')} changed${edits})`,
      outputs: { commit, branch: ctx.run.branch, subject, author, changedFiles, uncommitted },
    };
  },
};

/** The paths of `git status --porcelain -z`: "XY path", a rename followed by its old path. */
function uncommittedPaths(porcelain: string): string[] {
  const entries = porcelain.split('\0');
  const paths: string[] = [];
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') index++;
  }
  return paths;
}
