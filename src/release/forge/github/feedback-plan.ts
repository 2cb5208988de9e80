import type { Feedback } from '../../../shared/feedback/feedback.ts';

/** A check run annotation, as GitHub takes it. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
}

/** GitHub takes at most 50 annotations per request, appending those of later updates. */
export const annotationsPerRequest = 50;
/** The longest check run summary GitHub takes. */
export const maxSummaryCharacters = 65_535;
/** The longest commit status description GitHub takes. */
export const maxStatusDescription = 140;
/** How Slipway finds its own pull-request comment among the others, to update it in place. */
export const commentMarker = '<!-- slipway:run-summary -->';

/** Every file and line the run's failures point at, as annotations (a file without a line is annotated at its first). */
export function annotationsOf(feedback: Feedback[]): CheckAnnotation[] {
  return feedback.flatMap((item) =>
    (item.locations ?? []).map((location) => {
      const start = location.line ?? 1;
      return {
        path: location.file,
        start_line: start,
        end_line: Math.max(start, location.endLine ?? start),
        annotation_level: item.kind === 'warning' ? ('warning' as const) : ('failure' as const),
        title: cut(location.title ? `${item.message}: ${location.title}` : item.message, 255),
        message: cut(location.message, 64 * 1024),
      };
    }),
  );
}

/** Annotations in requests of at most 50. */
export function inBatches<T>(items: T[], size = annotationsPerRequest): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

/** A summary within GitHub's limit, cut at a line with a note of what was left out and where it all is. */
export function fitSummary(markdown: string, whereInFull: string, limit = maxSummaryCharacters): string {
  if (markdown.length <= limit) return markdown;
  const note = (left: number) => `\n\n… ${left} more characters: the whole summary is ${whereInFull}.`;
  let kept = markdown.slice(0, limit - note(markdown.length).length);
  const lineEnd = kept.lastIndexOf('\n');
  if (lineEnd > 0) kept = kept.slice(0, lineEnd);
  return kept + note(markdown.length - kept.length);
}

/** A stage as the check run's progress shows it. */
export interface StageProgress {
  stage: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  summary?: string;
  durationMs?: number;
}

/** The check run's title and summary while the run goes on. */
export function progressOutput(stages: StageProgress[]): { title: string; summary: string } {
  const running = stages.filter((stage) => stage.status === 'running').map((stage) => stage.stage);
  const done = stages.filter((stage) => stage.status !== 'running').length;
  const icon = { running: '⏳', succeeded: '✅', failed: '❌', skipped: '⏭️' };
  const lines = stages.map((stage) => {
    const took = stage.durationMs === undefined ? '' : ` (${(stage.durationMs / 1000).toFixed(1)} s)`;
    return `- ${icon[stage.status]} **${stage.stage}**${stage.summary ? `: ${oneLine(stage.summary)}` : ''}${took}`;
  });
  return {
    title: running.length ? `Running ${running.join(', ')} (${done} stages done)` : `${done} stages done`,
    summary: fitSummary(lines.join('\n'), 'in `slipway show`'),
  };
}

/** A commit status description: one line, at most 140 characters. */
export function statusDescription(text: string): string {
  return cut(oneLine(text), maxStatusDescription);
}

/** The pull-request comment: the marker Slipway finds it by, then the run's summary. */
export function commentBody(summaryMarkdown: string, whereInFull: string): string {
  return `${commentMarker}\n${fitSummary(summaryMarkdown, whereInFull, maxSummaryCharacters - commentMarker.length - 1)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
