import { describe, expect, it } from 'vitest';
import { configSchema } from './schema.ts';
import { looksSecret, secretValues } from './secrets.ts';

describe('secretValues', () => {
  it('masks declared task variables unless public, listed secrets, and any variable whose name says secret', () => {
    const config = configSchema.parse({
      project: 'p',
      tasks: { env: ['REGION', { name: 'LABEL', public: true }, { name: 'NPM_TOKEN', public: true }, 'UNSET'] },
      secrets: ['DB_PASS'],
    });
    const env = {
      REGION: 'eu-1-region',
      LABEL: 'nightly',
      NPM_TOKEN: 'npm_abcdef',
      DB_PASS: 'hunter22',
      GITHUB_TOKEN: 'ghs_123456',
      HOME: '/root',
    };
    expect(secretValues(config, env).sort()).toEqual(['eu-1-region', 'ghs_123456', 'hunter22', 'npm_abcdef']);
  });

  it("masks the Slack webhook's URL, under whatever name the configuration reads it from", () => {
    const url = 'https://hooks.slack.com/services/T0/B0/abcdefgh';
    const config = configSchema.parse({ project: 'p', notify: { slack: { webhookUrlEnv: 'TEAM_CHAT_HOOK' } } });
    expect(secretValues(config, { TEAM_CHAT_HOOK: url, SLACK_WEBHOOK_URL: 'https://other.example/hook' })).toEqual([url]);
    expect(secretValues(configSchema.parse({ project: 'p' }), { TEAM_CHAT_HOOK: url })).toEqual([]);
  });

  it('reads secret-looking names as CI systems do, without masking ordinary ones', () => {
    for (const name of [
      'NPM_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'PGPASSWORD',
      'GOOGLE_CREDENTIALS',
      'SLIPWAY_CACHE_KEY',
      'API_KEY',
      'GH_AUTH',
    ])
      expect(looksSecret(name), name).toBe(true);
    for (const name of ['HOME', 'PATH', 'KEYBOARD_LAYOUT', 'MONKEY_COUNT', 'NODE_ENV', 'BYPASS_MODE'])
      expect(looksSecret(name), name).toBe(false);
  });

  it('keeps the names of task variables for hashing', () => {
    const config = configSchema.parse({ project: 'p', tasks: { env: ['A', { name: 'B', public: true }] } });
    expect(config.tasks.env).toEqual([
      { name: 'A', public: false },
      { name: 'B', public: true },
    ]);
  });
});
