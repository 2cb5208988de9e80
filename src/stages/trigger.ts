import type { PipelineStage } from './context.ts';
import { gitResult } from '../shared/git.ts';

export interface TriggerOutputs {
  commit: string;
  branch: string;
  subject: string;
  author: string;
  changedFiles: string[];
}

/** Stage 1: what started the run: the merge commit on main, and what it changed. */
export const trigger: PipelineStage<TriggerOutputs> = {
  id: 'trigger',
  title: 'Trigger',
  phase: 'ci',
  needs: [],
  failure: 'Could not read the triggering commit',
  async run(ctx) {
    // A merge commit's changes are relative to its first parent; a root commit changes everything.
    const [show, diff] = await Promise.all([
      gitResult(ctx.repoDir, ['show', '-s', '--format=%H%n%an%n%s', ctx.run.commit]),
      gitResult(ctx.repoDir, ['diff-tree', '--no-commit-id', '--name-only', '-r', '-m', '--first-parent', '--root', ctx.run.commit]),
    ]);
    if (show.code !== 0) throw new Error(`git show ${ctx.run.commit}: ${show.stderr.trim()}`);
    const [commit, author, subject] = show.stdout.trim().split('\n');
    const changedFiles = diff.stdout.split('\n').filter(Boolean);
    return {
      summary: `${ctx.run.branch} @ ${commit.slice(0, 10)} "${subject}" by ${author} (${changedFiles.length} files changed)`,
      outputs: { commit, branch: ctx.run.branch, subject, author, changedFiles },
    };
  },
};
