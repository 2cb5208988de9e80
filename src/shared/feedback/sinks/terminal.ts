import { headline, type Feedback } from '../feedback.ts';

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

/** The feedback block printed when a stage fails. */
export function renderFeedback(feedback: Feedback): string {
  const lines = [red(bold(`✖ ${headline(feedback)}`)), `  stage: ${feedback.stage}`];
  for (const detail of feedback.details) lines.push(`  • ${detail}`);
  if (feedback.artifacts.length) lines.push(`  artifacts: ${feedback.artifacts.join(', ')}`);
  if (feedback.logExcerpt.length) {
    lines.push(dim('  log:'));
    for (const line of feedback.logExcerpt) lines.push(dim(`  │ ${line}`));
  }
  if (feedback.hint) lines.push(yellow(`  hint: ${feedback.hint}`));
  return lines.join('\n');
}
