import { describe, expect, it } from 'vitest';
import { slackViolations } from '../../../test-support/slack-receiver.ts';
import { Redactor } from '../../redactor.ts';
import type { Feedback } from '../feedback.ts';
import { escapeMrkdwn, fitText, slackMessage, type SlackBlock, type SlackRunReport } from './slack.ts';

const run = { id: 7, project: 'embark', commit: '53b3858c2293b09d43a327b6f27147780f84fbe9', branch: 'main', trigger: 'ci' };

function failure(overrides: Partial<Feedback> = {}): Feedback {
  return {
    runId: 7,
    stage: 'unit',
    kind: 'failure',
    message: 'Unit tests failed',
    specific: 'test failed in @embark/shared: format > pads dates (packages/shared/src/format.test.ts:12)',
    details: ['format > pads dates (packages/shared/src/format.test.ts:12): "1" !== "01"'],
    logExcerpt: ['✖ pads dates'],
    hint: 'Fix packages/shared/src/format.test.ts:12, or the code it tests.',
    artifacts: [],
    at: '2026-01-01T00:00:00.000Z',
    exitCode: 1,
    ...overrides,
  };
}

function report(overrides: Partial<SlackRunReport> = {}): SlackRunReport {
  return { run, failures: [failure()], result: '', stages: [], links: {}, ...overrides };
}

const keep = (text: string) => text;
/** Every text Slack shows as mrkdwn: where a link or a mention could be injected. */
const mrkdwnTexts = (blocks: SlackBlock[]) =>
  blocks.flatMap((block) =>
    block.type === 'section' ? [block.text.text] : block.type === 'context' ? block.elements.map((e) => e.text) : [],
  );
const header = (blocks: SlackBlock[]) => blocks.find((block) => block.type === 'header')!;

describe('slackMessage', () => {
  it('heads a failure with the RFC message, and names the cause, the stage, the commit, the details and the hint', () => {
    const message = slackMessage(report({ links: { commit: `https://github.com/acme/app/commit/${run.commit}` } }), keep);
    expect(header(message.blocks)).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Unit tests failed', emoji: false } });
    const [cause, details, hint] = mrkdwnTexts(message.blocks);
    expect(cause).toBe(
      '*Cause:* test failed in @embark/shared: format &gt; pads dates (packages/shared/src/format.test.ts:12)\n' +
        `*Stage:* \`unit\`   *Commit:* <https://github.com/acme/app/commit/${run.commit}|53b3858c2293> on \`main\``,
    );
    expect(details).toBe('• format &gt; pads dates (packages/shared/src/format.test.ts:12): "1" !== "01"');
    expect(hint).toBe('*Hint:* Fix packages/shared/src/format.test.ts:12, or the code it tests.');
    expect(message.text).toBe(
      'Unit tests failed: test failed in @embark/shared: format &gt; pads dates (packages/shared/src/format.test.ts:12) (embark, run #7)',
    );
    expect(slackViolations(message)).toEqual([]);
  });

  it('stays within every Slack limit with a 10 kB cause, 100 details, a 500-character test name and many failures', () => {
    const name = `renders ${'a very long test name '.repeat(24)}`.slice(0, 500);
    const huge = failure({
      message: `Unit tests failed ${'x'.repeat(300)}`,
      specific: `test failed in @embark/shared: ${name} ${'because '.repeat(1300)}`,
      details: Array.from({ length: 100 }, (_, index) => `${name} #${index}: ${'<expected> & '.repeat(100)}`),
      hint: 'h'.repeat(5000),
    });
    const message = slackMessage(
      report({
        failures: Array.from({ length: 40 }, () => huge),
        run: { ...run, branch: 'b'.repeat(400), project: 'p'.repeat(300), trigger: 't'.repeat(300) },
        links: { run: `https://github.com/acme/app/actions/runs/${'9'.repeat(4000)}`, commit: `https://github.com/${'c'.repeat(4000)}` },
      }),
      keep,
    );
    expect(huge.specific.length).toBeGreaterThan(10_000);
    expect(slackViolations(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(header(message.blocks).text.text).toHaveLength(150);
    expect(header(message.blocks).text.text).toMatch(/… \(\d+ more characters\)$/);
    const [cause, details] = mrkdwnTexts(message.blocks);
    expect(cause).toMatch(/^\*Cause:\* test failed in @embark\/shared: renders a very long.*… \(\d+ more characters\)\n\*Stage:\*/s);
    // Ten details, each cut cleanly, then how many were left out.
    expect(details.split('\n')).toHaveLength(11);
    expect(details.split('\n').at(-1)).toBe('… (90 more)');
    expect(details.split('\n')[0]).toMatch(/… \(\d+ more characters\)$/);
    // A commit link too long for the section is left out; the commit is still named.
    expect(cause).toContain('*Commit:* `53b3858c2293`');
    // The 37 failures not shown in full are counted.
    expect(mrkdwnTexts(message.blocks).some((text) => text.startsWith('… (37 more failures)'))).toBe(true);
    // A run link Slack would refuse gives no button.
    expect(message.blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  it('escapes what a test name could use to inject a link, a mention or @channel', () => {
    const hostile = 'renders <!channel> <@U024BE7LH> <https://evil.example|click here> & <!subteam^S123>';
    const message = slackMessage(
      report({
        failures: [failure({ specific: `test failed: ${hostile}`, details: [hostile], hint: hostile })],
        run: { ...run, branch: '<!here>' },
      }),
      keep,
    );
    const texts = [message.text, ...mrkdwnTexts(message.blocks)];
    for (const text of texts) {
      expect(text).not.toMatch(/<[!@#]|<https?:/);
      expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
    expect(mrkdwnTexts(message.blocks)[0]).toContain(
      'renders &lt;!channel&gt; &lt;@U024BE7LH&gt; &lt;https://evil.example|click here&gt; &amp; &lt;!subteam^S123&gt;',
    );
    expect(mrkdwnTexts(message.blocks)[0]).toContain('on `&lt;!here&gt;`');
  });

  it("masks the run's secrets, also one that escaping would change, before anything is cut or escaped", () => {
    const redactor = new Redactor();
    const [token, tricky] = ['xoxb-1234567890-secret', 'pa<ss>&word99'];
    redactor.add(token, tricky);
    const message = slackMessage(
      report({
        failures: [
          failure({ specific: `could not log in with ${token} or ${tricky}`, details: [`password=${tricky}`], hint: `rotate ${token}` }),
        ],
      }),
      (text) => redactor.redact(text),
    );
    const sent = JSON.stringify(message);
    for (const leak of [token, tricky, escapeMrkdwn(tricky), 'pa&lt;ss&gt;']) expect(sent).not.toContain(leak);
    expect(mrkdwnTexts(message.blocks)[0]).toContain('could not log in with *** or ***');
    expect(message.text).toContain('could not log in with *** or ***');
  });

  it('links the button to the run, and leaves out a link that is not http(s)', () => {
    const runUrl = 'https://github.com/acme/app/actions/runs/42';
    const withRun = slackMessage(report({ links: { run: runUrl } }), keep);
    expect(withRun.blocks.find((block) => block.type === 'actions')).toEqual({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'View run' }, url: runUrl, action_id: 'slipway-run' }],
    });
    const hostile = slackMessage(report({ links: { run: 'javascript:alert(1)', commit: 'file:///etc/passwd' } }), keep);
    expect(hostile.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(JSON.stringify(hostile)).not.toMatch(/javascript:|file:/);
    // A "|" in a link would end its URL in mrkdwn.
    const piped = slackMessage(report({ links: { commit: 'https://forge.example/c?a=1|b' } }), keep);
    expect(mrkdwnTexts(piped.blocks)[0]).toContain('<https://forge.example/c?a=1%7Cb|53b3858c2293>');
  });

  it("heads a successful run with its result and lists its stages' summaries", () => {
    const message = slackMessage(
      report({
        failures: [],
        result: 'Published embark 1.5.0 (v1.5.0)',
        stages: [
          { stage: 'unit', status: 'succeeded', summary: '12 tests passed in 3 packages' },
          { stage: 'publish', status: 'succeeded', summary: 'release v1.5.0 published' },
        ],
      }),
      keep,
    );
    expect(header(message.blocks).text.text).toBe('Published embark 1.5.0 (v1.5.0)');
    expect(mrkdwnTexts(message.blocks)[0]).toBe(
      '*Commit:* `53b3858c2293` on `main`\n• `unit` 12 tests passed in 3 packages\n• `publish` release v1.5.0 published',
    );
    expect(message.text).toBe('Published embark 1.5.0 (v1.5.0) (embark, run #7)');
    expect(slackViolations(message)).toEqual([]);
  });
});

describe('fitText', () => {
  it('cuts on the raw text, so neither an escape nor a surrogate pair is split, and says how much is left out', () => {
    const escaped = fitText('&'.repeat(100), 50, escapeMrkdwn);
    expect(escaped.length).toBeLessThanOrEqual(50);
    expect(escaped).toMatch(/^(&amp;)+… \(\d+ more characters\)$/);
    const emoji = fitText('🚀'.repeat(100), 41);
    expect(emoji.length).toBeLessThanOrEqual(41);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(fitText('short', 10)).toBe('short');
  });
});
