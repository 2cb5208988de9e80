import { join } from 'node:path';
import type { RunStore } from '../../state/run-store.ts';
import { writeFileAtomic } from '../../fs.ts';
import type { Feedback } from '../feedback.ts';
import { renderMarkdownSummary } from './markdown.ts';

/** Writes the machine-readable (feedback.json) and Markdown (summary.md) reports of a run; returns their paths and the summary. */
export async function writeRunReports(
  store: RunStore,
  runId: number,
  runDir: string,
): Promise<{ json: string; markdown: string; summary: string }> {
  const run = store.getRun(runId)!;
  const stages = store.stages(runId);
  const feedback = store.feedback<Feedback>(runId);
  const json = join(runDir, 'feedback.json');
  const markdown = join(runDir, 'summary.md');
  const summary = renderMarkdownSummary(run, stages, feedback);
  await Promise.all([writeFileAtomic(json, JSON.stringify({ run, stages, feedback }, null, 2) + '\n'), writeFileAtomic(markdown, summary)]);
  return { json, markdown, summary };
}
