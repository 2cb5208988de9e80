import { describe, expect, it } from 'vitest';
import { smokeFailure } from './run.ts';

describe('smokeFailure', () => {
  it('names the first failed check and points at its screenshot', () => {
    const failure = smokeFailure([
      { check: 'health', ok: true, status: 204, durationMs: 3, detail: 'GET /healthcheck returned 204' },
      {
        check: 'home page',
        ok: false,
        status: 200,
        durationMs: 5000,
        detail: '"#title" did not show "Welcome" within 5000 ms (it shows "Loading…")',
        artifact: '/tmp/a/smoke-home-page.png',
        excerpt: ['page error: boom'],
      },
    ])!;
    expect(failure.specific).toBe('home page: "#title" did not show "Welcome" within 5000 ms (it shows "Loading…")');
    expect(failure.details).toEqual([
      'passed health: GET /healthcheck returned 204 (3 ms)',
      'FAILED home page: "#title" did not show "Welcome" within 5000 ms (it shows "Loading…") (5000 ms)',
    ]);
    expect(failure.logExcerpt).toEqual(['page error: boom']);
    expect(failure.artifacts).toEqual(['/tmp/a/smoke-home-page.png']);
    expect(failure.hint).toBe('Open /tmp/a/smoke-home-page.png to see the page as the check saw it.');
  });

  it('is undefined when every check passed', () => {
    expect(smokeFailure([{ check: 'health', ok: true, durationMs: 1, detail: 'GET /healthcheck returned 204' }])).toBeUndefined();
    expect(smokeFailure([])).toBeUndefined();
  });
});
