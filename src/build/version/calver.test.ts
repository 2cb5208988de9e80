import { describe, expect, it } from 'vitest';
import { nextCalver } from './calver.ts';

const november2026 = new Date('2026-11-14T10:00:00Z');

describe('nextCalver', () => {
  it('starts a month at 1', () => {
    expect(nextCalver(november2026, ['26.10.4', 'v26.10.5', '1.2.3'])).toBe('26.11.1');
  });

  it('counts on from the highest release of the month among tags and versions', () => {
    expect(nextCalver(november2026, ['v26.11.1', '26.11.3', 'v26.11.2', '25.11.9'])).toBe('26.11.4');
  });

  it('accepts zero-padded months in hand-made tags', () => {
    expect(nextCalver(new Date('2026-03-02T00:00:00Z'), ['v26.03.2'])).toBe('26.3.3');
  });

  it('ignores prereleases and other tags', () => {
    expect(nextCalver(november2026, ['26.11.7-snapshot-abc1234', 'release-26.11.9', 'latest'])).toBe('26.11.1');
  });
});
