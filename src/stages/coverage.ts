import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { counted } from '../shared/plural.ts';
import { sha256 } from '../shared/hash.ts';
import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import {
  changedLines,
  changedLinesFailure,
  checkChangedLines,
  checkMerged,
  coverageFailure,
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
  | { measured: false };

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
    const included = Object.entries(lcov).filter(([name]) => !ctx.config.coverage.exclude.includes(name));
    // Coverage is a gate only where a threshold asks for it: without one, a package that wrote no
    // report is simply not measured, never "insufficient".
    const gated = hasThresholds(ctx.config.coverage);
    const measured = gated ? included : included.filter(([, { report }]) => existsSync(report));
    const unmeasured = included.filter((entry) => !measured.includes(entry)).map(([name]) => name);
    if (measured.length === 0) {
      const why =
        included.length === 0
          ? Object.keys(lcov).length === 0
            ? 'no package has tests'
            : 'every package with tests is in coverage.exclude'
          : `no coverage report from ${counted(unmeasured.length, 'package')}, and no coverage threshold asks for one`;
      return { summary: `not measured: ${why}`, outputs: { measured: false } };
    }
    const memoDir = join(ctx.home.cacheDir, 'coverage');
    // The outputs setting decides which source maps are read, so it is part of each memo's key.
    const memoKeys = Object.fromEntries(measured.map(([name, { key }]) => [name, sha256([key, ...outputs].join('\0'))]));
    const packages = Object.fromEntries(measured);
    const coverageOf = async (name: string): Promise<FileCoverage[]> => {
      const { dir, report } = packages[name];
      const files = await memoizedCoverage(
        memoDir,
        memoKeys[name],
        () => readPackageCoverage({ packageDir: dir, report, outputs, repoRoot: ctx.repoDir }),
        ctx.warn,
      );
      if (!files) {
        throw new Failure(`${name} wrote no coverage report at ${report}`, {
          hint: `make its test script write lcov to ${ctx.config.reports.lcov}, or add it to coverage.exclude`,
        });
      }
      return files;
    };
    const merged = await memoizedMerge(memoDir, memoKeys, coverageOf, ctx.warn);
    // Packages with levels of their own are checked on their own coverage.
    const withLevels = measured.filter(([name]) => ctx.config.coverage.packages[name]);
    const check = checkMerged(
      merged,
      Object.fromEntries(await Promise.all(withLevels.map(async ([name]) => [name, await coverageOf(name)] as const))),
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
  },
};

/** Whether the configuration asks for any coverage level: global, per package, or of changed lines. */
function hasThresholds(coverage: Config['coverage']): boolean {
  const { lines, functions, branches, packages, changedLines } = coverage;
  return [lines, functions, branches, changedLines].some((level) => level !== undefined) || Object.keys(packages).length > 0;
}
