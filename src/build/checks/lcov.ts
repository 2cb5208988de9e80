import { isAbsolute, relative, resolve } from 'node:path';

export interface Counts {
  found: number;
  hit: number;
}

export interface FileCoverage {
  /** Repo-relative, with forward slashes. */
  file: string;
  /** Line number → execution count. */
  lines: Map<number, number>;
  functions: Counts;
  branches: Counts;
  /**
   * Per function (`<line>:<name>`) and per branch (`<line>:<block>:<branch>`) hit counts, when
   * the report lists them: they make merges exact and show where the uncovered ones are.
   */
  functionHits?: Map<string, number>;
  branchHits?: Map<string, number>;
}

/**
 * Parses an lcov tracefile. SF paths are resolved against `baseDir` (the package the report
 * came from) and made relative to `repoRoot`.
 */
export function parseLcov(text: string, baseDir: string, repoRoot: string): FileCoverage[] {
  const files: FileCoverage[] = [];
  let current:
    (FileCoverage & { functionLines: Map<string, number>; totals: Partial<Record<'FNF' | 'FNH' | 'BRF' | 'BRH', number>> }) | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const key = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1);
    if (key === 'SF') {
      const absolute = isAbsolute(value) ? value : resolve(baseDir, value);
      current = {
        file: relative(repoRoot, absolute).split('\\').join('/'),
        lines: new Map(),
        functions: { found: 0, hit: 0 },
        branches: { found: 0, hit: 0 },
        functionHits: new Map(),
        branchHits: new Map(),
        functionLines: new Map(),
        totals: {},
      };
      continue;
    }
    if (!current) continue;
    const parts = value.split(',');
    if (key === 'DA') {
      const lineNumber = Number(parts[0]);
      current.lines.set(lineNumber, (current.lines.get(lineNumber) ?? 0) + Number(parts[1]));
    } else if (key === 'FN') {
      current.functionLines.set(parts.slice(1).join(','), Number(parts[0]));
    } else if (key === 'FNDA') {
      const name = parts.slice(1).join(',');
      const id = `${current.functionLines.get(name) ?? 0}:${name}`;
      current.functionHits!.set(id, (current.functionHits!.get(id) ?? 0) + Number(parts[0]));
    } else if (key === 'BRDA') {
      const id = `${parts[0]}:${parts[1]}:${parts[2]}`;
      const taken = parts[3] === '-' ? 0 : Number(parts[3]);
      current.branchHits!.set(id, (current.branchHits!.get(id) ?? 0) + taken);
    } else if (key === 'FNF' || key === 'FNH' || key === 'BRF' || key === 'BRH') {
      current.totals[key] = Number(value);
    } else if (key === 'end_of_record') {
      files.push(finish(current));
      current = undefined;
    }
  }
  if (current) files.push(finish(current));
  return files;
}

function finish(
  parsed: FileCoverage & { functionLines: Map<string, number>; totals: Partial<Record<'FNF' | 'FNH' | 'BRF' | 'BRH', number>> },
): FileCoverage {
  // Functions declared (FN) but never reported in FNDA were not called.
  for (const [name, line] of parsed.functionLines)
    if (!parsed.functionHits!.has(`${line}:${name}`)) parsed.functionHits!.set(`${line}:${name}`, 0);
  const coverage: FileCoverage = {
    file: parsed.file,
    lines: parsed.lines,
    functions: { found: 0, hit: 0 },
    branches: { found: 0, hit: 0 },
  };
  // Detail wins over the summary lines; a report with only FNF/FNH keeps those totals.
  if (parsed.functionHits!.size > 0) coverage.functionHits = parsed.functionHits;
  else coverage.functions = { found: parsed.totals.FNF ?? 0, hit: parsed.totals.FNH ?? 0 };
  if (parsed.branchHits!.size > 0) coverage.branchHits = parsed.branchHits;
  else coverage.branches = { found: parsed.totals.BRF ?? 0, hit: parsed.totals.BRH ?? 0 };
  return withTotals(coverage);
}

function countsOf(hits: Map<string, number>): Counts {
  return { found: hits.size, hit: [...hits.values()].filter((count) => count > 0).length };
}

function withTotals(coverage: FileCoverage): FileCoverage {
  return {
    ...coverage,
    functions: coverage.functionHits ? countsOf(coverage.functionHits) : coverage.functions,
    branches: coverage.branchHits ? countsOf(coverage.branchHits) : coverage.branches,
  };
}

function addHits(into: Map<string, number> | Map<number, number>, from: Map<string, number> | Map<number, number>): void {
  const target = into as Map<string | number, number>;
  for (const [key, count] of from as Map<string | number, number>) target.set(key, (target.get(key) ?? 0) + count);
}

/**
 * Merges coverage of the same files from several runs (e.g. shared code exercised by two
 * packages' tests): hit counts add up, so a line covered by either run is covered. Files whose
 * reports give only totals keep the larger of them (the exact union is unknowable).
 */
export function mergeCoverage(...sets: FileCoverage[][]): FileCoverage[] {
  const byFile = new Map<string, FileCoverage>();
  for (const coverage of sets.flat()) {
    const seen = byFile.get(coverage.file);
    if (!seen) {
      byFile.set(coverage.file, {
        ...coverage,
        lines: new Map(coverage.lines),
        functionHits: coverage.functionHits && new Map(coverage.functionHits),
        branchHits: coverage.branchHits && new Map(coverage.branchHits),
      });
      continue;
    }
    addHits(seen.lines, coverage.lines);
    for (const kind of ['functionHits', 'branchHits'] as const) {
      const total = kind === 'functionHits' ? 'functions' : 'branches';
      const mine = seen[kind];
      const theirs = coverage[kind];
      if (mine && theirs) addHits(mine, theirs);
      else {
        seen[kind] = undefined;
        seen[total] = { found: Math.max(seen[total].found, coverage[total].found), hit: Math.max(seen[total].hit, coverage[total].hit) };
      }
    }
  }
  // Totals once per file, from the merged hits: a file shared by many reports is counted once.
  return [...byFile.values()].map(withTotals).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
