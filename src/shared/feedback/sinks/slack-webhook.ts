import type { SlackMessage } from './slack.ts';

/** Long enough for Slack on a slow day, short enough that an outage never holds up the run's end. */
export const slackTimeoutMs = 5000;

/**
 * Posts a message to a Slack incoming webhook. Resolves to undefined when Slack took it, else to
 * what went wrong ("the webhook answered HTTP 404 no_service"): a Slack outage is the caller's
 * warning, never an exception. The URL is never part of the answer.
 */
export async function postToSlack(url: string, message: SlackMessage, timeoutMs = slackTimeoutMs): Promise<string | undefined> {
  // Loaded only when a message is sent: runs without Slack never load the client.
  const { IncomingWebhook } = await import('@slack/webhook');
  try {
    await new IncomingWebhook(url, { timeout: timeoutMs }).send(message);
    return undefined;
  } catch (error) {
    return slackProblem(error, timeoutMs);
  }
}

/** What an error of @slack/webhook says, in a few words and without the URL. */
export function slackProblem(error: unknown, timeoutMs: number): string {
  const failed = error as { statusCode?: number; body?: unknown; original?: Error & { cause?: { code?: string; message?: string } } };
  if (typeof failed.statusCode === 'number') {
    // Slack answers errors with one word (no_service, invalid_payload); anything else is cut short.
    const said = typeof failed.body === 'string' ? firstWords(failed.body) : '';
    return `the webhook answered HTTP ${failed.statusCode}${said ? ` ${said}` : ''}`;
  }
  const original = failed.original;
  if (original?.name === 'TimeoutError' || original?.name === 'AbortError')
    return `the webhook did not answer within ${timeoutMs / 1000} s`;
  const cause = original?.cause;
  if (cause?.code) return `the webhook could not be reached (${cause.code}${cause.message ? `: ${firstWords(cause.message)}` : ''})`;
  const message = cause?.message ?? original?.message ?? (error as Error)?.message ?? String(error);
  return `the webhook could not be reached (${firstWords(message)})`;
}

/** The first line of an answer, printable characters only, at most 80 of them. */
function firstWords(text: string): string {
  const line = text
    .trim()
    .split('\n')[0]
    .replace(/[^\x20-\x7e]/g, '');
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}
