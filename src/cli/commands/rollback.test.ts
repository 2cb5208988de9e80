import { describe, expect, it, vi } from 'vitest';
import { failureOf } from '../../test-support/failure-of.ts';
import { main } from '../main.ts';
import { rollbackCommand } from './rollback.ts';

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
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--help'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(printed.join('')).toContain('slipway rollback <env> [--to <release>] [--reason <text>]');
  });
});
