/** Medians, ratios and the printed tables of the CI benchmark. Pure: numbers in, text out. */
import type { ToolName } from './tools.ts';
import { median } from '../median.ts';

export interface CaseResult {
  name: string;
  description: string;
  /** Seconds of each run, per tool, in run order. */
  samples: Partial<Record<ToolName, number[]>>;
  /** Peak resident memory of each run in bytes, per tool, in run order (where measured). */
  peakRss?: Partial<Record<ToolName, number[]>>;
}

export interface CaseSummary {
  median: Partial<Record<ToolName, number>>;
  /** The largest peak resident memory of any run, per tool, in bytes. */
  maxPeakRss: Partial<Record<ToolName, number>>;
  slipwayOverTurbo?: number;
  slipwayOverRaw?: number;
}

export function summarize(result: CaseResult): CaseSummary {
  const medians: CaseSummary['median'] = {};
  for (const [tool, samples] of Object.entries(result.samples) as [ToolName, number[]][]) medians[tool] = median(samples);
  const maxPeakRss: CaseSummary['maxPeakRss'] = {};
  for (const [tool, peaks] of Object.entries(result.peakRss ?? {}) as [ToolName, number[]][]) maxPeakRss[tool] = Math.max(...peaks);
  const { raw, slipway, turbo } = medians;
  return {
    median: medians,
    maxPeakRss,
    slipwayOverTurbo: slipway !== undefined && turbo !== undefined ? slipway / turbo : undefined,
    slipwayOverRaw: slipway !== undefined && raw !== undefined ? slipway / raw : undefined,
  };
}

const seconds = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));
const ratio = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));
const megabytes = (bytes: number | undefined) => (bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(0));

/** A fixed-width table: the first column left-aligned, the others right-aligned. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}

/** One case: each tool's runs and median, then the ratios. */
export function caseTable(result: CaseResult): string[] {
  const summary = summarize(result);
  const rows = [['tool', 'median s', 'peak RSS MB', 'runs s']];
  for (const [tool, samples] of Object.entries(result.samples) as [ToolName, number[]][]) {
    rows.push([
      tool,
      seconds(summary.median[tool]),
      megabytes(summary.maxPeakRss[tool]),
      samples.map((sample) => sample.toFixed(2)).join(' '),
    ]);
  }
  const ratios = [`slipway/turbo ${ratio(summary.slipwayOverTurbo)}`];
  if (result.samples.raw) ratios.push(`slipway/raw ${ratio(summary.slipwayOverRaw)}`);
  return [`${result.name}: ${result.description}`, ...table(rows).map((line) => `  ${line}`), `  ${ratios.join(', ')}`];
}

/** All cases, one row each. */
export function summaryTable(results: readonly CaseResult[]): string[] {
  const rows = [['case', 'raw s', 'slipway s', 'turbo s', 'slipway/turbo', 'slipway/raw', 'slipway MB', 'turbo MB']];
  for (const result of results) {
    const summary = summarize(result);
    rows.push([
      result.name,
      seconds(summary.median.raw),
      seconds(summary.median.slipway),
      seconds(summary.median.turbo),
      ratio(summary.slipwayOverTurbo),
      ratio(summary.slipwayOverRaw),
      megabytes(summary.maxPeakRss.slipway),
      megabytes(summary.maxPeakRss.turbo),
    ]);
  }
  return table(rows);
}

/** A case as an earlier results file has it: its name and each tool's median seconds. */
export interface BaselineCase {
  name: string;
  median: Partial<Record<ToolName, number>>;
}

/** Per case and tool, this run's median over the baseline's: how each grows with the repo. */
export function growth(
  baseline: readonly BaselineCase[],
  results: readonly CaseResult[],
): Record<string, Partial<Record<ToolName, number>>> {
  const growths: Record<string, Partial<Record<ToolName, number>>> = {};
  for (const result of results) {
    const before = baseline.find((entry) => entry.name === result.name)?.median;
    if (!before) continue;
    const now = summarize(result).median;
    const ratios: Partial<Record<ToolName, number>> = {};
    for (const tool of Object.keys(now) as ToolName[]) {
      const then = before[tool];
      if (then) ratios[tool] = now[tool]! / then;
    }
    growths[result.name] = ratios;
  }
  return growths;
}

/** The growth table: one row per case both runs measured. */
export function growthTable(growths: Record<string, Partial<Record<ToolName, number>>>, from: number, to: number): string[] {
  const rows = [['case', 'raw', 'slipway', 'turbo']];
  for (const [name, ratios] of Object.entries(growths)) rows.push([name, ratio(ratios.raw), ratio(ratios.slipway), ratio(ratios.turbo)]);
  return [`growth ${from} -> ${to} packages (median over median; ${to / from}x the packages):`, ...table(rows).map((line) => `  ${line}`)];
}
