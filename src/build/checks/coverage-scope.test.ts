import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { collectsCoverage, hasCoverageThresholds, isExcludedFromCoverage } from './coverage-scope.ts';

const coverage = (value: unknown) => configSchema.parse({ project: 'x', coverage: value }).coverage;

describe('coverage.exclude', () => {
  it('takes names and globs over names', () => {
    const exclude = ['docs', '@site/*', '*-e2e', '@tools/**'];
    expect(['docs', '@site/web', 'app-e2e', '@tools/a/b'].filter((name) => isExcludedFromCoverage(name, exclude))).toHaveLength(4);
    expect(
      ['docs-site', '@site', '@site/web/x', '@other/app-e2e', 'app', 'd.ocs'].filter((name) => isExcludedFromCoverage(name, exclude)),
    ).toEqual([]);
  });

  it('reads dots and other characters of a name as themselves', () => {
    expect(isExcludedFromCoverage('a.b', ['a.b'])).toBe(true);
    expect(isExcludedFromCoverage('axb', ['a.b'])).toBe(false);
  });
});

describe('collecting coverage', () => {
  it('happens only where a threshold asks for it, the stage is on and the package is not excluded', () => {
    expect(collectsCoverage(coverage(undefined), '@x/a')).toBe(false);
    expect(collectsCoverage(coverage({ exclude: ['@x/*'] }), '@x/a')).toBe(false);
    expect(collectsCoverage(coverage({ lines: 80 }), '@x/a')).toBe(true);
    expect(collectsCoverage(coverage({ changedLines: 80 }), '@x/a')).toBe(true);
    expect(collectsCoverage(coverage({ packages: { '@x/a': { lines: 80 } } }), '@x/b')).toBe(true);
    expect(collectsCoverage(coverage({ lines: 80, exclude: ['@x/*'] }), '@x/a')).toBe(false);
    expect(collectsCoverage(coverage({ lines: 80, enabled: false }), '@x/a')).toBe(false);
  });

  it('is switched off by coverage: false, which keeps the other defaults', () => {
    const off = coverage(false);
    expect(off).toEqual({ enabled: false, packages: {}, exclude: [], mainBranch: 'main' });
    expect(hasCoverageThresholds(off)).toBe(false);
    expect(coverage(undefined).enabled).toBe(true);
    expect(() => coverage(true)).toThrow(/expected object, received boolean/);
  });
});
