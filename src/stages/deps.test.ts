import { describe, expect, it } from 'vitest';
import { depsSummary } from './deps.ts';

describe('depsSummary', () => {
  const base = { key: `deps-${'ab'.repeat(32)}`, durationMs: 1234, installCommand: 'pnpm install --frozen-lockfile' };

  it('says what the step did: already installed, restored with its size and key, or installed and cached', () => {
    expect(depsSummary({ ...base, how: 'already-installed', evidence: 'pnpm, matches pnpm-lock.yaml' })).toBe(
      'already installed (pnpm, matches pnpm-lock.yaml)',
    );
    expect(depsSummary({ ...base, how: 'restored', entryBytes: 123 * 1024 * 1024 })).toBe(
      'restored from cache (123.0 MiB, key abababababab) in 1.2 s',
    );
    expect(depsSummary({ ...base, how: 'installed', installMs: 41_230, cachedBytes: 87 * 1024 * 1024 })).toBe(
      'installed with `pnpm install --frozen-lockfile` in 41.2 s; cached 87.0 MiB compressed',
    );
    expect(depsSummary({ ...base, how: 'installed', installMs: 900, notCachedBecause: "Yarn Plug'n'Play installs no node_modules" })).toBe(
      "installed with `pnpm install --frozen-lockfile` in 0.9 s; not cached: Yarn Plug'n'Play installs no node_modules",
    );
  });
});
