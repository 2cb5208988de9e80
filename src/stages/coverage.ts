import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { counted } from '../shared/plural.ts';
import { sha256 } from '../shared/hash.ts';
import type { PipelineStage, StageContext } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import {
  changedLines,
  changedLinesFailure,
  checkChangedLines,
  checkMerged,
  coverageFailure,
  hasCoverageThresholds,
  isExcludedFromCoverage,
  memoizedCoverage,
  memoizedMerge,
  readPackageCoverage,
  resolveChangeBase,
  type FileCoverage,
} from '../build/checks/index.ts';
import type { UnitOutputs } from './unit.ts';

export type CoverageOutputs =
  | { lines: number; functions: number; branches: number; changedLines?: number }
  /** Nothing was measured: no package wrote a report (and no threshold asked for one), or all are excluded. */
  | { measured: false }
  /** A shard's: each measured package's coverage memo key, for the merge; and those without a report. */
  | { shard: { memoKeys: Record<string, string>; unmeasured: string[] } };

/** Stage 4b: coverage merged across packages and checked against the configured thresholds. */
export const coverage: PipelineStage<CoverageOutputs> = {
  id: 'coverage',
  title: 'Coverage',
  phase: 'ci',
  needs: ['unit'],
  failure: 'Insufficient test coverage',
  async run(ctx) {
    const { lcov } = ctx.output<UnitOutputs>('unit');
    const { outputs } = ctx.config.tasks;
    if (!ctx.config.coverage.enabled) return { summary: 'off (coverage: false in the configuration)', outputs: { measured: false } };
    const included = Object.entries(lcov).filter(([name]) => !isExcludedFromCoverage(name, ctx.config.coverage.exclude));
    // A package without a report is not measured, never "insufficient": with a threshold, Slipway
    // asked its runner for coverage, and a runner it cannot ask is named here.
    const gated = hasCoverageThresholds(ctx.config.coverage);
    const measured = included.filter(([, { report }]) => existsSync(report));
    const unmeasured = included.filter((entry) => !measured.includes(entry)).map(([name]) => name);
    if (gated && unmeasured.length)
      ctx.warn(
        `coverage not measured for ${unmeasured.join(', ')}: no coverage report (${collectedFrom}; or make the test script write lcov to ${ctx.config.reports.lcov}, or add the package to coverage.exclude)`,
      );
    if (measured.length === 0) {
      const why =
        included.length === 0
          ? Object.keys(lcov).length === 0
            ? 'no package has tests'
            : 'every package with tests is in coverage.exclude'
          : gated
            ? `no coverage report from ${counted(unmeasured.length, 'package')}`
            : `no coverage report from ${counted(unmeasured.length, 'package')}, and no coverage threshold asks for one`;
      return { summary: `not measured: ${why}`, outputs: { measured: false } };
    }
    const memoDir = join(ctx.home.cacheDir, 'coverage');
    // The outputs setting decides which source maps are read, so it is part of each memo's key.
    const memoKeys = Object.fromEntries(measured.map(([name, { key }]) => [name, sha256([key, ...outputs].join('\0'))]));
    const packages = Object.fromEntries(measured);
    const coverageOf = async (name: string): Promise<FileCoverage[]> => {
      const { dir, report, outputs: own } = packages[name];
      const files = await memoizedCoverage(
        memoDir,
        memoKeys[name],
        () => readPackageCoverage({ packageDir: dir, report, outputs: own ?? outputs, repoRoot: ctx.repoDir }),
        ctx.warn,
      );
      // Only a report removed while this stage ran gets here: Slipway's trouble, not the tests'.
      if (!files) throw new Failure(`the coverage report of ${name} at ${report} could not be read`);
      return files;
    };
    // A shard's coverage is judged once, by the merge, over every shard's: here it is only read.
    if (ctx.shard) {
      await Promise.all(measured.map(([name]) => coverageOf(name)));
      return {
        summary: `read from ${counted(measured.length, 'package')}; the merge checks it with every shard's`,
        outputs: { shard: { memoKeys, unmeasured } },
      };
    }
    return gateCoverage({ ctx, memoDir, memoKeys, coverageOf, unmeasured });
  },
};

/**
 * Every measured package's coverage merged (through the ledger) and checked once against the
 * configured levels and the changed lines: the stage's, and a sharded run's merge's.
 */
export async function gateCoverage(opts: {
  ctx: Pick<StageContext, 'config' | 'repoDir' | 'warn'>;
  memoDir: string;
  memoKeys: Record<string, string>;
  coverageOf: (name: string) => Promise<FileCoverage[]>;
  unmeasured: string[];
}): Promise<{ summary: string; outputs: CoverageOutputs }> {
  const { ctx, memoDir, memoKeys, coverageOf, unmeasured } = opts;
  const merged = await memoizedMerge(memoDir, memoKeys, coverageOf, ctx.warn);
  // Packages with levels of their own are checked on their own coverage.
  const withLevels = Object.keys(memoKeys).filter((name) => ctx.config.coverage.packages[name]);
  const check = checkMerged(
    merged,
    Object.fromEntries(await Promise.all(withLevels.map(async (name) => [name, await coverageOf(name)] as const))),
    ctx.config.coverage,
  );
  const failure = coverageFailure(check);
  if (failure) throw failure;
  const { summary } = check;
  const percent = (value: number) => `${value.toFixed(1)} %`;
  const notMeasured = unmeasured.length ? `; not measured (no report): ${unmeasured.join(', ')}` : '';
  const text = `lines ${percent(summary.lines)}, functions ${percent(summary.functions)}, branches ${percent(summary.branches)}${notMeasured}`;
  const required = ctx.config.coverage.changedLines;
  if (required === undefined) return { summary: text, outputs: summary };
  const { base, mainBranch } = ctx.config.coverage;
  const against = await resolveChangeBase(ctx.repoDir, { mainBranch, base });
  const changed = checkChangedLines(merged, await changedLines(ctx.repoDir, against.commit), required);
  const changedFailure = changedLinesFailure(changed, required, against.description);
  if (changedFailure) throw changedFailure;
  return {
    summary: `${text}, changed lines ${percent(changed.percent)} (${changed.covered}/${changed.total} against ${against.description})`,
    outputs: { ...summary, changedLines: changed.percent },
  };
}

/** Where Slipway collects coverage by itself, for the note on a package it could not. */
const collectedFrom = 'Slipway collects it from vitest with @vitest/coverage-v8 or -istanbul installed, jest, node --test and mocha';
