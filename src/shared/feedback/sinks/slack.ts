import type { Feedback } from '../feedback.ts';

/**
 * The Slack message for a run, in Block Kit: built here from the run's records alone (no I/O), sent
 * by slack-webhook.ts. Everything that comes from the run (test names, causes, branch names) is
 * redacted, then escaped, then cut to Slack's limits, so it can neither leak a secret, nor inject
 * a link or a mention, nor make Slack refuse the message.
 */

/** Slack's limits (Block Kit reference): Slack refuses a message over any of them as invalid_blocks. */
export const slackLimits = {
  /** A header block's plain_text. */
  header: 150,
  /** A section block's text. */
  section: 3000,
  /** A context block's text element. */
  context: 3000,
  /** A button's plain_text. */
  button: 75,
  /** A button's url. */
  url: 3000,
  blocks: 50,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

export interface SlackButton {
  type: 'button';
  text: PlainText;
  url: string;
  action_id: string;
}

export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'divider' }
  | { type: 'context'; elements: Mrkdwn[] }
  | { type: 'actions'; elements: SlackButton[] };

export interface SlackMessage {
  /** What notifications and clients without Block Kit show. */
  text: string;
  blocks: SlackBlock[];
}

/** Where the message's links go, when known: the run (or its check) and the commit. */
export interface RunLinks {
  run?: string;
  commit?: string;
}

export interface SlackRunReport {
  run: { id: number; project: string; commit: string; branch: string; trigger: string };
  /** The run's failures; none when it succeeded. */
  failures: Feedback[];
  /** What a successful run did, in one line: "Published embark 1.5.0 (v1.5.0)". */
  result: string;
  stages: { stage: string; status: string; summary?: string }[];
  links: RunLinks;
}

/** How many failures are shown in full; the rest are named in one line. */
const shownFailures = 3;
/** How many details of one failure are shown. */
const shownDetails = 10;
/** How many stage lines a successful run's message shows. */
const shownStages = 16;

/** "&", "<" and ">" as Slack's mrkdwn needs them: text cannot open a link, a mention or "@channel". */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const moreCharacters = (count: number) => `… (${count} more characters)`;

/**
 * The text, escaped by `escape`, within `limit` characters: whole when it fits, else the longest
 * start that fits with a note of how much was left out. Cut on the raw text, so neither an escape
 * nor a surrogate pair is split.
 */
export function fitText(raw: string, limit: number, escape: (text: string) => string = (text) => text): string {
  const whole = escape(raw);
  if (whole.length <= limit) return whole;
  const cut = (length: number) => {
    const end = /[\uDC00-\uDFFF]/.test(raw[length] ?? '') ? length - 1 : length;
    return raw.slice(0, Math.max(0, end));
  };
  const fitted = (length: number) => {
    const kept = cut(length).trimEnd();
    return escape(kept) + moreCharacters(raw.length - kept.length);
  };
  let [low, high] = [0, raw.length];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fitted(middle).length <= limit) low = middle;
    else high = middle - 1;
  }
  return fitted(low).slice(0, limit);
}

/** A list of lines, at most `count` of them, then "… (n more)". */
function fitList(lines: string[], count: number): string[] {
  return lines.length <= count ? lines : [...lines.slice(0, count), `… (${lines.length - count} more)`];
}

/** Only http and https links, whole, within `limit`, and without what would end a mrkdwn link. */
function safeUrl(url: string | undefined, limit: number): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    const href = parsed.href.replace(/\|/g, '%7C');
    return escapeMrkdwn(href).length <= limit ? href : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the message for a run. `redact` masks the run's secrets; it is applied before anything else. */
export function slackMessage(report: SlackRunReport, redact: (text: string) => string): SlackMessage {
  const mrkdwn = (raw: string, limit: number) => fitText(redact(raw), limit, escapeMrkdwn);
  const plain = (raw: string, limit: number) => fitText(redact(raw), limit);
  const { run, failures } = report;
  const runUrl = safeUrl(report.links.run, slackLimits.url);
  // A commit link shares a section with the cause: a longer one is left out, the commit still named.
  const commitUrl = safeUrl(report.links.commit, 300);

  const shortCommit = /^[0-9a-f]{7,64}$/.test(run.commit) ? run.commit.slice(0, 12) : mrkdwn(run.commit, 64);
  const commit = commitUrl ? `<${escapeMrkdwn(commitUrl)}|${shortCommit}>` : `\`${shortCommit}\``;
  const where = `*Commit:* ${commit} on \`${mrkdwn(run.branch, 100)}\``;

  const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const blocks: SlackBlock[] = [];
  if (failures.length) {
    const messages = [...new Set(failures.map((failure) => failure.message))];
    blocks.push({ type: 'header', text: { type: 'plain_text', text: plain(messages.join('; '), slackLimits.header), emoji: false } });
    failures.slice(0, shownFailures).forEach((failure, index) => {
      if (index > 0) blocks.push({ type: 'divider' });
      blocks.push(
        section(
          [
            `*${index === 0 ? 'Cause' : mrkdwn(failure.message, 150)}:* ${mrkdwn(failure.specific, 2000)}`,
            `*Stage:* \`${mrkdwn(failure.stage, 60)}\`   ${where}`,
          ].join('\n'),
        ),
      );
      // One line per detail (an assertion's message spans several), each cut short: 10 fit in a section.
      const details = failure.details.map((detail) => `• ${mrkdwn(detail.replace(/\s+/g, ' ').trim(), 250)}`);
      if (details.length) blocks.push(section(fitList(details, shownDetails).join('\n')));
      if (failure.hint) blocks.push(section(`*Hint:* ${mrkdwn(failure.hint, 2900)}`));
    });
    const rest = failures.slice(shownFailures);
    if (rest.length) {
      const named = rest.map((failure) => `${failure.message}: ${failure.specific}`).join('; ');
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… (${rest.length} more failures) ${mrkdwn(named, 2000)}` }] });
    }
  } else {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: plain(report.result, slackLimits.header), emoji: false } });
    const stages = report.stages.map((stage) => `• \`${mrkdwn(stage.stage, 40)}\` ${mrkdwn(stage.summary ?? stage.status, 90)}`);
    blocks.push(section([where, ...fitList(stages, shownStages)].join('\n')));
  }
  if (runUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: plain('View run', slackLimits.button) },
          url: runUrl,
          action_id: 'slipway-run',
        },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Slipway · ${mrkdwn(run.project, 100)} · run #${run.id} · ${mrkdwn(run.trigger, 100)}` }],
  });

  const headline = failures.length ? `${failures[0].message}: ${failures[0].specific}` : report.result;
  return { text: mrkdwn(`${headline} (${run.project}, run #${run.id})`, slackLimits.section), blocks };
}
