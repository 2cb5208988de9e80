import type { FileCoverage } from './lcov.ts';

/** A hit count, and how many packages' reports instrument the line, function or branch. */
type Tally = [hits: number, reports: number];

interface FileTallies {
  reports: number;
  lines: Record<number, Tally>;
  functions: Record<string, Tally>;
  branches: Record<string, Tally>;
}

/** What a ledger is stored as: the test key each package's coverage came from, and the sums. */
export interface LedgerState {
  keys: Record<string, string>;
  files: Record<string, FileTallies>;
}

/**
 * The coverage of every package merged, kept so that one package's new report is merged by
 * taking its old report out and putting the new one in, rather than merging every package
 * again. Sums equal mergeCoverage's; the report counts tell when a line no longer exists.
 * Only reports that list each function and branch (or have none) can be taken out again:
 * `accepts` says so.
 */
export class CoverageLedger {
  constructor(private readonly state: LedgerState = { keys: {}, files: {} }) {}

  static accepts(files: FileCoverage[]): boolean {
    return files.every(
      (coverage) => (coverage.functionHits || coverage.functions.found === 0) && (coverage.branchHits || coverage.branches.found === 0),
    );
  }

  get keys(): Readonly<Record<string, string>> {
    return this.state.keys;
  }

  add(name: string, key: string, files: FileCoverage[]): void {
    this.state.keys[name] = key;
    this.apply(files, 1);
  }

  remove(name: string, files: FileCoverage[]): void {
    delete this.state.keys[name];
    this.apply(files, -1);
  }

  /** The merged coverage, as mergeCoverage gives it, sorted by file. */
  merged(): FileCoverage[] {
    return Object.entries(this.state.files)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, tallies]) => {
        const functionHits = hitsOf(tallies.functions);
        const branchHits = hitsOf(tallies.branches);
        return {
          file,
          lines: new Map(Object.entries(tallies.lines).map(([line, [hits]]) => [Number(line), hits])),
          functions: countsOf(functionHits),
          branches: countsOf(branchHits),
          functionHits: functionHits.size > 0 ? functionHits : undefined,
          branchHits: branchHits.size > 0 ? branchHits : undefined,
        };
      });
  }

  toJSON(): LedgerState {
    return this.state;
  }

  private apply(files: FileCoverage[], sign: 1 | -1): void {
    for (const coverage of files) {
      const tallies = (this.state.files[coverage.file] ??= { reports: 0, lines: {}, functions: {}, branches: {} });
      tallies.reports += sign;
      tally(tallies.lines, coverage.lines, sign);
      tally(tallies.functions, coverage.functionHits ?? new Map(), sign);
      tally(tallies.branches, coverage.branchHits ?? new Map(), sign);
      if (tallies.reports === 0) delete this.state.files[coverage.file];
    }
  }
}

function tally(into: Record<string | number, Tally>, hits: Map<string | number, number> | Map<number, number>, sign: 1 | -1): void {
  for (const [id, count] of hits as Map<string | number, number>) {
    const [sum, reports] = into[id] ?? [0, 0];
    if (reports + sign === 0) delete into[id];
    else into[id] = [sum + sign * count, reports + sign];
  }
}

function hitsOf(tallies: Record<string, Tally>): Map<string, number> {
  return new Map(Object.entries(tallies).map(([id, [hits]]) => [id, hits]));
}

function countsOf(hits: Map<string, number>): { found: number; hit: number } {
  let hit = 0;
  for (const count of hits.values()) if (count > 0) hit += 1;
  return { found: hits.size, hit };
}
