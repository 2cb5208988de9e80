import type { JunitSummary, TestCaseFailure } from './junit.ts';
import { stackLocation } from './stack.ts';

interface JestAssertion {
  ancestorTitles?: string[];
  title?: string;
  status?: string;
  failureMessages?: string[];
  location?: { line?: number } | null;
}

interface JestFileResult {
  name?: string;
  status?: string;
  message?: string;
  assertionResults?: JestAssertion[];
}

/**
 * Counts and failures of jest's `--json` result, as parseJunit gives them: each failing test with
 * its describe blocks, its file, and the line of the stack frame in that file (else the test's
 * own line, with `--testLocationInResults`). A test file that failed to run counts as one failure.
 */
export function parseJestJson(text: string): JunitSummary {
  const result = JSON.parse(text) as { testResults?: JestFileResult[] };
  const summary: JunitSummary = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const file of result.testResults ?? []) {
    const assertions = file.assertionResults ?? [];
    for (const assertion of assertions) {
      if (assertion.status === 'passed') summary.passed += 1;
      else if (assertion.status === 'failed') {
        summary.failed += 1;
        summary.failures.push(failureOf(assertion, file.name));
      } else summary.skipped += 1;
    }
    if (file.status === 'failed' && !assertions.some((assertion) => assertion.status === 'failed')) {
      summary.failed += 1;
      summary.failures.push({
        name: 'test file failed to run',
        ...(file.name ? { file: file.name } : {}),
        message: firstLines(file.message ?? '') || 'jest reported the file as failed without a message',
      });
    }
  }
  return summary;
}

function failureOf(assertion: JestAssertion, file: string | undefined): TestCaseFailure {
  const body = (assertion.failureMessages ?? []).join('\n');
  const frame = stackLocation(body);
  const line = frame && file && frame.file === file ? frame.line : (assertion.location?.line ?? undefined);
  const suites = assertion.ancestorTitles ?? [];
  return {
    name: assertion.title ?? '(unnamed test)',
    ...(suites.length > 0 ? { suite: suites.join(' > ') } : {}),
    ...(file ? { file } : {}),
    ...(line ? { line } : {}),
    message: firstLines(body) || 'test failed (no message in the report)',
  };
}

/** The message without its stack: the lines before the first frame, without jest's "Error: " prefix. */
function firstLines(body: string): string {
  const lines = body.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const firstFrame = lines.findIndex((line) => /^\s*at\s/.test(line));
  return lines
    .slice(0, firstFrame === -1 ? lines.length : firstFrame)
    .join('\n')
    .replace(/^Error: /, '')
    .trim();
}
