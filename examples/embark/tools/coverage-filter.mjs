// Node 20's test runner counts the test files themselves, and workspace dependencies reached
// through their symlinks, in coverage, and has no option to exclude them. These helpers keep
// only the package's own non-test files, so the numbers measure the code under test.
import { sep } from 'node:path';

const packageDir = process.cwd() + sep;
const isCodeUnderTest = (path) => path.startsWith(packageDir) && !/\.test\.[jt]s$/.test(path);

function totalsOf(files) {
  const sum = (key) => files.reduce((total, file) => total + file[key], 0);
  const percent = (covered, all) => (all === 0 ? 100 : (covered / all) * 100);
  const totals = {
    totalLineCount: sum('totalLineCount'),
    totalBranchCount: sum('totalBranchCount'),
    totalFunctionCount: sum('totalFunctionCount'),
    coveredLineCount: sum('coveredLineCount'),
    coveredBranchCount: sum('coveredBranchCount'),
    coveredFunctionCount: sum('coveredFunctionCount'),
  };
  return {
    ...totals,
    coveredLinePercent: percent(totals.coveredLineCount, totals.totalLineCount),
    coveredBranchPercent: percent(totals.coveredBranchCount, totals.totalBranchCount),
    coveredFunctionPercent: percent(totals.coveredFunctionCount, totals.totalFunctionCount),
  };
}

/** Passes every test event through, with coverage summaries limited to the code under test. */
export async function* withoutTestFiles(source) {
  for await (const event of source) {
    if (event.type !== 'test:coverage') {
      yield event;
      continue;
    }
    const files = event.data.summary.files.filter((file) => isCodeUnderTest(file.path));
    yield { ...event, data: { ...event.data, summary: { ...event.data.summary, files, totals: totalsOf(files) } } };
  }
}
