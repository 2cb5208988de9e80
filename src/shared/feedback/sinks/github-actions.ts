import { randomUUID } from 'node:crypto';
import { appendFile, stat } from 'node:fs/promises';
import type { Feedback } from '../feedback.ts';

/**
 * What a run tells the GitHub Actions job it runs in: workflow commands (annotations at file and
 * line), the step summary and step outputs. The formats are GitHub's own (the runner's
 * CommandExtensions and @actions/core).
 */

/** Whether this process runs inside a GitHub Actions job. */
export function inGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** A workflow command's message: %, CR and LF escaped, so it stays one command on one line. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: as data, and ':' and ',' too, which end a property. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
}

/** "::error file=a.ts,line=3,title=adds::1 !== 2"; properties left unset are left out. */
export function workflowCommand(command: 'error' | 'warning' | 'notice', properties: AnnotationProperties, message: string): string {
  const given = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${name}=${escapeCommandProperty(String(value))}`);
  return `::${command}${given.length ? ` ${given.join(',')}` : ''}::${escapeCommandData(message)}`;
}

/**
 * One annotation per place a failure points at (each failing test at its file and line, each
 * file's uncovered lines), or one without a place when it points at none. Paths are relative to
 * the repository root, as GitHub expects them.
 */
export function feedbackAnnotations(feedback: Feedback): string[] {
  const command = feedback.kind === 'warning' ? 'warning' : 'error';
  const locations = feedback.locations ?? [];
  if (locations.length === 0) return [workflowCommand(command, { title: feedback.message }, feedback.specific)];
  return locations.map((location) =>
    workflowCommand(
      command,
      {
        file: location.file,
        line: location.line,
        endLine: location.endLine,
        title: location.title ? `${feedback.message}: ${location.title}` : feedback.message,
      },
      location.message,
    ),
  );
}

/** GitHub refuses a step summary above 1 MiB, and shows none of it. */
export const stepSummaryLimit = 1024 * 1024;

/**
 * The Markdown to append to a step summary that already holds `used` bytes: all of it when it
 * fits, else as many whole lines as fit (a code block left open is closed) and a note saying how
 * much was left out and where the rest is; undefined when not even the note fits.
 */
export function fitStepSummary(markdown: string, used: number, whereInFull: string, limit = stepSummaryLimit): string | undefined {
  const bytes = Buffer.from(markdown, 'utf8');
  const room = limit - used;
  if (bytes.length <= room) return markdown;
  const note = (omitted: number) =>
    `\n> Summary truncated at GitHub's limit of ${limit} bytes: ${omitted} more bytes; the full summary is ${whereInFull}.\n`;
  // The note's own length depends on the number in it: reserve room for the longest it can be.
  const reserved = Buffer.byteLength(note(bytes.length)) + '\n```'.length;
  if (room < reserved) return undefined;
  let kept = bytes.subarray(0, room - reserved).toString('utf8');
  // A cut inside a character leaves U+FFFD: drop it with the rest of that line.
  kept = kept.slice(0, Math.max(0, kept.lastIndexOf('\n') + 1));
  const fences = kept.split('\n').filter((line) => line.startsWith('```')).length;
  const closed = fences % 2 === 1 ? `${kept}\`\`\`\n` : kept;
  return closed + note(bytes.length - Buffer.byteLength(kept));
}

/**
 * Appends the run's Markdown summary to the job's step summary file ($GITHUB_STEP_SUMMARY), which
 * may not exist yet and may hold what earlier commands of the step wrote: appended, never replaced.
 * Returns false when nothing could be added within GitHub's limit.
 */
export async function appendStepSummary(path: string, markdown: string, whereInFull: string): Promise<boolean> {
  const used = await stat(path).then(
    (found) => found.size,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return 0;
      throw error;
    },
  );
  // Earlier content may not end its last line: a heading must start one.
  const fitted = fitStepSummary(used > 0 ? `\n${markdown}` : markdown, used, whereInFull);
  if (fitted === undefined) return false;
  await appendFile(path, fitted);
  return true;
}

/**
 * One step output as $GITHUB_OUTPUT takes it: `name=value`, or for a value with line breaks the
 * heredoc form with a delimiter the value cannot contain.
 */
export function stepOutput(name: string, value: string, delimiter: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`"${name}" is not a valid step output name`);
  if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
  if (value.includes(delimiter)) throw new Error(`the value of step output ${name} contains its delimiter`);
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

/** Appends one step output to the job's $GITHUB_OUTPUT file. */
export async function appendStepOutput(path: string, name: string, value: string): Promise<void> {
  await appendFile(path, stepOutput(name, value, `ghadelimiter_${randomUUID()}`));
}
