import type { RunRecord, StageRecord } from '../../state/run-store.ts';
import { headline, type Feedback } from '../feedback.ts';

/** A Markdown summary of a run, for a PR comment, a job summary or a chat message. */
export function renderMarkdownSummary(run: RunRecord, stages: StageRecord[], feedback: Feedback[]): string {
  const icon: Record<string, string> = { succeeded: '✅', failed: '❌', skipped: '⏭️', running: '⏳', pending: '⏸️' };
  const lines = [
    `## Slipway run #${run.id}: ${run.status}`,
    '',
    `Commit \`${run.commit.slice(0, 12)}\` on \`${run.branch}\``,
    '',
    '| stage | status | summary |',
    '|---|---|---|',
  ];
  for (const stage of stages)
    lines.push(`| ${stage.stage} | ${icon[stage.status] ?? ''} ${stage.status} | ${(stage.summary ?? '').replace(/\|/g, '\\|')} |`);
  for (const item of feedback) {
    lines.push('', `### ${headline(item)}`, '');
    for (const detail of item.details) lines.push(`- ${detail}`);
    if (item.hint) lines.push('', `**Hint:** ${item.hint}`);
    if (item.artifacts.length) lines.push('', `Artifacts: ${item.artifacts.map((a) => `\`${a}\``).join(', ')}`);
    if (item.logExcerpt.length) lines.push('', '```', ...item.logExcerpt, '```');
  }
  return lines.join('\n') + '\n';
}
