/** Medians, ratios and the printed table of the image benchmark. Pure: numbers in, text out. */
import { median } from '../median.ts';

export type ToolName = 'slipway' | 'buildah';

/** One build and push by one tool. */
export interface Sample {
  /** Wall-clock seconds: context (buildah's app files copied into its context), build, push. */
  contextSeconds: number;
  buildSeconds: number;
  pushSeconds: number;
  totalSeconds: number;
  /** Request body bytes through the counting proxy (blobs and manifests). */
  uploadedBytes: number;
  /** Response body bytes through the proxy (buildah pulling the base when cold). */
  downloadedBytes: number;
  digest: string;
  /** Slipway: layers reused from its cache; buildah: steps answered from its cache. */
  reused: string;
}

export interface CaseResult {
  name: string;
  description: string;
  samples: Record<ToolName, Sample[]>;
}

export interface CaseSummary {
  name: string;
  slipwaySeconds: number;
  buildahSeconds: number;
  /** slipway / buildah, on the medians. */
  ratio: number;
  slipwayUploadedBytes: number;
  buildahUploadedBytes: number;
}

export function summarize(result: CaseResult): CaseSummary {
  const seconds = (tool: ToolName) => median(result.samples[tool].map((sample) => sample.totalSeconds));
  const bytes = (tool: ToolName) => median(result.samples[tool].map((sample) => sample.uploadedBytes));
  const slipwaySeconds = seconds('slipway');
  const buildahSeconds = seconds('buildah');
  return {
    name: result.name,
    slipwaySeconds,
    buildahSeconds,
    ratio: slipwaySeconds / buildahSeconds,
    slipwayUploadedBytes: bytes('slipway'),
    buildahUploadedBytes: bytes('buildah'),
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

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

/** One line per run: where each tool's time went. */
export function sampleLine(tool: ToolName, sample: Sample): string {
  const context = tool === 'buildah' ? `context ${sample.contextSeconds.toFixed(2)} + ` : '';
  const pulled = sample.downloadedBytes > 64 << 10 ? `, ${formatBytes(sample.downloadedBytes)} pulled` : '';
  return `${tool.padEnd(7)} ${sample.totalSeconds.toFixed(2)} s = ${context}build ${sample.buildSeconds.toFixed(2)} + push ${sample.pushSeconds.toFixed(2)}; ${formatBytes(sample.uploadedBytes)} uploaded${pulled}; ${sample.reused}; ${sample.digest.slice(0, 19)}…`;
}

/** Every case, one row each (medians). */
export function summaryTable(results: readonly CaseResult[]): string[] {
  const rows = [['case', 'runs', 'slipway s', 'buildah s', 'slipway/buildah', 'slipway uploaded', 'buildah uploaded']];
  for (const result of results) {
    const summary = summarize(result);
    rows.push([
      result.name,
      String(result.samples.slipway.length),
      summary.slipwaySeconds.toFixed(2),
      summary.buildahSeconds.toFixed(2),
      summary.ratio.toFixed(2),
      formatBytes(summary.slipwayUploadedBytes),
      formatBytes(summary.buildahUploadedBytes),
    ]);
  }
  return table(rows);
}
