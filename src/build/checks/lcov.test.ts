import { describe, expect, it } from 'vitest';
import { mergeCoverage, parseLcov } from './lcov.ts';

// The shape node 20's `--test-reporter=lcov` writes: paths relative to the package, FN/FNDA and BRDA detail.
const backendRun = `TN:
SF:src/server.js
FN:1,start
FN:8,stop
FNDA:1,start
FNDA:0,stop
FNF:2
FNH:1
BRDA:3,0,0,1
BRDA:3,0,1,0
BRF:2
BRH:1
DA:1,1
DA:2,1
DA:3,1
DA:4,0
DA:8,0
DA:9,0
LH:3
LF:6
end_of_record
TN:
SF:/repo/packages/shared/src/format.js
DA:1,1
DA:2,0
end_of_record
`;

describe('parseLcov', () => {
  it('makes paths repo-relative and reads lines, functions and branches', () => {
    const [server, format] = parseLcov(backendRun, '/repo/packages/backend', '/repo');
    expect(server.file).toBe('packages/backend/src/server.js');
    expect([...server.lines]).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 0],
      [8, 0],
      [9, 0],
    ]);
    expect(server.functions).toEqual({ found: 2, hit: 1 });
    expect(server.branches).toEqual({ found: 2, hit: 1 });
    expect(format.file).toBe('packages/shared/src/format.js');
    expect(format.functions).toEqual({ found: 0, hit: 0 });
  });

  it('keeps summary totals when a report has no per-item detail', () => {
    const [file] = parseLcov('SF:lib/a.js\nFNF:4\nFNH:3\nBRF:10\nBRH:5\nDA:1,2\nend_of_record\n', '/repo/pkg', '/repo');
    expect(file.functions).toEqual({ found: 4, hit: 3 });
    expect(file.branches).toEqual({ found: 10, hit: 5 });
  });

  it('reads "-" (never evaluated) branches as not taken', () => {
    const [file] = parseLcov('SF:a.js\nBRDA:2,0,0,-\nBRDA:2,0,1,3\nend_of_record\n', '/r', '/r');
    expect(file.branches).toEqual({ found: 2, hit: 1 });
  });
});

describe('mergeCoverage', () => {
  it('adds up hits of the same file across runs: covered by either is covered', () => {
    const fromBackend = parseLcov(backendRun, '/repo/packages/backend', '/repo');
    const fromShared = parseLcov(
      'SF:src/format.js\nDA:1,4\nDA:2,1\nend_of_record\nSF:/repo/packages/backend/src/server.js\nFN:8,stop\nFNDA:2,stop\nBRDA:3,0,1,1\nDA:8,2\nend_of_record\n',
      '/repo/packages/shared',
      '/repo',
    );
    const merged = mergeCoverage(fromBackend, fromShared);
    expect(merged.map((file) => file.file)).toEqual(['packages/backend/src/server.js', 'packages/shared/src/format.js']);
    const [server, format] = merged;
    expect([...format.lines]).toEqual([
      [1, 5],
      [2, 1],
    ]);
    expect(server.lines.get(8)).toBe(2);
    expect(server.lines.get(9)).toBe(0);
    expect(server.functions).toEqual({ found: 2, hit: 2 });
    expect(server.branches).toEqual({ found: 2, hit: 2 });
    // The inputs are not changed.
    expect(fromBackend[0].lines.get(8)).toBe(0);
  });

  it('takes the larger totals when a side has no detail', () => {
    const a = parseLcov('SF:x.js\nFNF:4\nFNH:1\nend_of_record\n', '/r', '/r');
    const b = parseLcov('SF:x.js\nFNF:4\nFNH:3\nend_of_record\n', '/r', '/r');
    expect(mergeCoverage(a, b)[0].functions).toEqual({ found: 4, hit: 3 });
  });
});
