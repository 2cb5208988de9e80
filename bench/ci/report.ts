/** Medians, ratios and the printed tables of the CI benchmark. Pure: numbers in, text out. */
import type { ToolName } from './tools.ts';
import { median } from '../median.ts';

export interface CaseResult {
  name: string;
  description: string;
  /** Seconds of each run, per tool, in run order. */
  samples: Partial<Record<ToolName, number[]>>;
}

export interface CaseSummary {
  median: Partial<Record<ToolName, number>>;
  slipwayOverTurbo?: number;
  slipwayOverRaw?: number;
}

export function summarize(result: CaseResult): CaseSummary {
  const medians: CaseSummary['median'] = {};
  for (const [tool, samples] of Object.entries(result.samples) as [ToolName, number[]][]) medians[tool] = median(samples);
  const { raw, slipway, turbo } = medians;
  return {
    median: medians,
    slipwayOverTurbo: slipway !== undefined && turbo !== undefined ? slipway / turbo : undefined,
    slipwayOverRaw: slipway !== undefined && raw !== undefined ? slipway / raw : undefined,
  };
}

const seconds = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));
const ratio = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));

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
  const rows = [['tool', 'median s', 'runs s']];
  for (const [tool, samples] of Object.entries(result.samples) as [ToolName, number[]][]) {
    rows.push([tool, seconds(summary.median[tool]), samples.map((sample) => sample.toFixed(2)).join(' ')]);
  }
  const ratios = [`slipway/turbo ${ratio(summary.slipwayOverTurbo)}`];
  if (result.samples.raw) ratios.push(`slipway/raw ${ratio(summary.slipwayOverRaw)}`);
  return [`${result.name}: ${result.description}`, ...table(rows).map((line) => `  ${line}`), `  ${ratios.join(', ')}`];
}

/** All cases, one row each. */
export function summaryTable(results: readonly CaseResult[]): string[] {
  const rows = [['case', 'raw s', 'slipway s', 'turbo s', 'slipway/turbo', 'slipway/raw']];
  for (const result of results) {
    const summary = summarize(result);
    rows.push([
      result.name,
      seconds(summary.median.raw),
      seconds(summary.median.slipway),
      seconds(summary.median.turbo),
      ratio(summary.slipwayOverTurbo),
      ratio(summary.slipwayOverRaw),
    ]);
  }
  return table(rows);
}
