import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback stand-in for Slack's incoming webhooks. It answers as Slack does ("ok" with 200, or
 * the failure a test asks for), checks every message against Slack's own limits as Slack would
 * (and answers 400 invalid_blocks when one is broken, as Slack does), and records what it got.
 */

/** What the receiver answers: Slack taking the message, or one of the ways Slack fails. */
export type SlackAnswer = 'ok' | 'server-error' | 'no-service' | 'invalid-payload' | 'drop' | 'hang';

export interface ReceivedSlackMessage {
  payload: Record<string, unknown>;
  /** Where the message breaks Slack's limits or rules; empty when Slack would take it. */
  violations: string[];
}

export interface SlackReceiver {
  /** The webhook URL, with a token of its own that must never appear in what Slipway writes. */
  url: string;
  token: string;
  answer: SlackAnswer;
  received: ReceivedSlackMessage[];
  close(): Promise<void>;
}

/** Block types Slack knows in messages. */
const knownBlockTypes = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'video',
]);

/** Slack's limits, as its Block Kit reference gives them (written out here, not taken from the code under test). */
const limits = {
  blocks: 50,
  header: 150,
  section: 3000,
  field: 2000,
  fields: 10,
  contextElements: 10,
  actionElements: 25,
  button: 75,
  url: 3000,
  actionId: 255,
  text: 40_000,
};

/** What Slack would refuse in a message payload, one line per problem. */
export function slackViolations(payload: unknown): string[] {
  const problems: string[] = [];
  const message = payload as { text?: unknown; blocks?: unknown };
  if (typeof message?.text !== 'string' || message.text === '') problems.push('no top-level text (the notification fallback)');
  else if (message.text.length > limits.text) problems.push(`text is ${message.text.length} characters, over ${limits.text}`);
  if (message.blocks === undefined) return problems;
  if (!Array.isArray(message.blocks)) return [...problems, 'blocks is not an array'];
  if (message.blocks.length > limits.blocks) problems.push(`${message.blocks.length} blocks, over ${limits.blocks}`);
  message.blocks.forEach((block: Record<string, unknown>, index) => {
    const where = `block ${index} (${String(block?.type)})`;
    const text = (value: unknown, limit: number, kinds: string[], what: string) => {
      const object = value as { type?: unknown; text?: unknown };
      if (!kinds.includes(String(object?.type))) problems.push(`${where}: ${what} is not ${kinds.join(' or ')}`);
      else if (typeof object.text !== 'string' || object.text === '') problems.push(`${where}: ${what} is empty`);
      else if (object.text.length > limit) problems.push(`${where}: ${what} is ${object.text.length} characters, over ${limit}`);
    };
    if (!knownBlockTypes.has(String(block?.type))) problems.push(`${where}: unknown block type`);
    switch (block?.type) {
      case 'header':
        text(block.text, limits.header, ['plain_text'], 'header text');
        break;
      case 'section': {
        const fields = (block.fields ?? []) as unknown[];
        if (block.text === undefined && fields.length === 0) problems.push(`${where}: neither text nor fields`);
        if (block.text !== undefined) text(block.text, limits.section, ['plain_text', 'mrkdwn'], 'text');
        if (fields.length > limits.fields) problems.push(`${where}: ${fields.length} fields, over ${limits.fields}`);
        fields.forEach((field, at) => text(field, limits.field, ['plain_text', 'mrkdwn'], `field ${at}`));
        break;
      }
      case 'context': {
        const elements = (block.elements ?? []) as unknown[];
        if (elements.length === 0 || elements.length > limits.contextElements) problems.push(`${where}: ${elements.length} elements`);
        elements.forEach((element, at) => text(element, limits.section, ['plain_text', 'mrkdwn'], `element ${at}`));
        break;
      }
      case 'actions': {
        const elements = (block.elements ?? []) as Record<string, unknown>[];
        if (elements.length === 0 || elements.length > limits.actionElements) problems.push(`${where}: ${elements.length} elements`);
        for (const element of elements) {
          if (element.type !== 'button') continue;
          text(element.text, limits.button, ['plain_text'], 'button text');
          const url = element.url;
          if (url !== undefined && (typeof url !== 'string' || url.length > limits.url || !/^https?:\/\//.test(url)))
            problems.push(`${where}: button url ${String(url).slice(0, 40)} is not an http(s) URL within ${limits.url} characters`);
          if (typeof element.action_id === 'string' && element.action_id.length > limits.actionId)
            problems.push(`${where}: action_id too long`);
        }
        break;
      }
    }
  });
  return problems;
}

export async function startSlackReceiver(answer: SlackAnswer = 'ok'): Promise<SlackReceiver> {
  const token = randomBytes(12).toString('hex');
  const path = `/services/T0SLIPWAY/B0RECEIVER/${token}`;
  const sockets = new Set<Socket>();
  const receiver: SlackReceiver = { url: '', token, answer, received: [], close: async () => {} };
  const reply = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(body);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== path) return reply(response, 404, 'no_service');
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return reply(response, 400, 'invalid_payload');
      }
      const violations = slackViolations(payload);
      receiver.received.push({ payload, violations });
      switch (receiver.answer) {
        case 'server-error':
          return reply(response, 500, 'Internal Server Error');
        case 'no-service':
          return reply(response, 404, 'no_service');
        case 'invalid-payload':
          return reply(response, 400, 'invalid_payload');
        case 'drop':
          return request.socket.destroy();
        case 'hang':
          return;
        case 'ok':
          return violations.length ? reply(response, 400, 'invalid_blocks') : reply(response, 200, 'ok');
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return receiver;
}
