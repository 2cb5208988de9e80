import { describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/failure-of.ts';
import { main } from '../main.ts';
import { rollbackCommand } from './rollback.ts';
import { commandOutput } from '../../test-support/command-output.ts';

describe('slipway rollback', () => {
  it('needs exactly one environment, and shows how to name one', async () => {
    const none = await failureOf(rollbackCommand({ args: [] }));
    expect(none.specific).toBe('slipway rollback needs one environment');
    expect(none.hint).toBe(
      'e.g. slipway rollback prod --reason "checkout answers 500" (add --to v1.2.0 to name the release to go back to)',
    );
    const two = await failureOf(rollbackCommand({ args: ['prod', 'v1.2.0'] }));
    expect(two.details).toEqual(['also given: v1.2.0']);
  });

  it('is listed in the usage with its options', async () => {
    const usage = await commandOutput(() => main(['--help']));
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain('slipway rollback <env> [--to <release>] [--reason <text>]');
  });
});
