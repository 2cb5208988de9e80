import { describe, expect, it } from 'vitest';
import { CoverageLedger } from './coverage-ledger.ts';
import { mergeCoverage, parseLcov, type FileCoverage } from './lcov.ts';

// What a merge decides: each file's line hits and function and branch counts.
const view = (files: FileCoverage[]) =>
  files.map(({ file, lines, functions, branches }) => ({ file, lines: [...lines].sort(([a], [b]) => a - b), functions, branches }));
const report = (records: string) => parseLcov(records, '/repo', '/repo');
// Two packages' tests both run shared/src/format.js: the ledger must count it once.
const app = report(
  [
    'SF:app/src/main.js\nFN:1,main\nFNDA:2,main\nDA:1,2\nDA:2,0\nBRDA:2,0,0,1\nBRDA:2,0,1,0\nend_of_record',
    'SF:shared/src/format.js\nFN:1,pad\nFN:5,week\nFNDA:1,pad\nFNDA:0,week\nDA:1,1\nDA:5,0\nDA:6,0\nend_of_record',
  ].join('\n'),
);
const api = report('SF:shared/src/format.js\nFN:1,pad\nFN:5,week\nFNDA:0,pad\nFNDA:3,week\nDA:1,0\nDA:5,3\nDA:6,3\nDA:9,0\nend_of_record');
const apiChanged = report(
  'SF:shared/src/format.js\nFN:1,pad\nFNDA:0,pad\nDA:1,0\nend_of_record\nSF:api/src/server.js\nDA:1,1\nend_of_record',
);

describe('CoverageLedger', () => {
  it('merges as mergeCoverage does, counting a shared file once', () => {
    const ledger = new CoverageLedger();
    ledger.add('app', 'k1', app);
    ledger.add('api', 'k2', api);
    expect(view(ledger.merged())).toEqual(view(mergeCoverage(app, api)));
    expect(ledger.keys).toEqual({ app: 'k1', api: 'k2' });
  });

  it("takes a package's old report out and its new one in, as if merged from scratch", () => {
    const ledger = new CoverageLedger();
    ledger.add('app', 'k1', app);
    ledger.add('api', 'k2', api);
    ledger.remove('api', api);
    ledger.add('api', 'k3', apiChanged);
    expect(view(ledger.merged())).toEqual(view(mergeCoverage(app, apiChanged)));
    // Line 9 and function week existed only in api's old report: they are gone, not "uncovered".
    const format = ledger.merged().find((file) => file.file === 'shared/src/format.js')!;
    expect(format.lines.has(9)).toBe(false);
    ledger.remove('app', app);
    expect(view(ledger.merged())).toEqual(view(mergeCoverage(apiChanged)));
  });

  it('survives a round trip through JSON', () => {
    const ledger = new CoverageLedger();
    ledger.add('app', 'k1', app);
    const revived = new CoverageLedger(JSON.parse(JSON.stringify(ledger)));
    revived.remove('app', app);
    revived.add('api', 'k2', api);
    expect(view(revived.merged())).toEqual(view(mergeCoverage(api)));
    expect(revived.keys).toEqual({ api: 'k2' });
  });

  it('accepts only reports that list every function and branch', () => {
    expect(CoverageLedger.accepts(app)).toBe(true);
    expect(CoverageLedger.accepts(report('SF:a.js\nFNF:2\nFNH:1\nDA:1,1\nend_of_record'))).toBe(false);
  });
});
