import { parseXml, type XmlElement } from './xml.ts';
import { isTestFile, stackLocation } from './stack.ts';

export interface TestCaseFailure {
  name: string;
  suite?: string;
  /** As the report gives it (absolute, or relative to the package); runPackageTests makes it repo-relative. */
  file?: string;
  line?: number;
  message: string;
}

export interface JunitSummary {
  passed: number;
  failed: number;
  skipped: number;
  failures: TestCaseFailure[];
}

/**
 * Counts and failures of a JUnit XML report: node's test runner (nested <testsuite>s, top-level
 * <testcase>s, todo as skipped), jest-junit, Vitest and mocha-junit-reporter.
 */
export function parseJunit(xml: string): JunitSummary {
  const summary: JunitSummary = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const visit = (element: XmlElement, suites: string[], suiteFile: string | undefined): void => {
    for (const child of element.children) {
      if (child.name === 'testsuite') {
        visit(child, child.attributes.name ? [...suites, child.attributes.name] : suites, child.attributes.file ?? suiteFile);
      } else if (child.name === 'testcase') {
        countTestCase(summary, child, suites, suiteFile);
      } else {
        visit(child, suites, suiteFile);
      }
    }
  };
  visit(parseXml(xml), [], undefined);
  return summary;
}

function countTestCase(summary: JunitSummary, testcase: XmlElement, suites: string[], suiteFile: string | undefined): void {
  const problem = testcase.children.find((child) => child.name === 'failure' || child.name === 'error');
  if (!problem && testcase.attributes.failure === undefined) {
    if (testcase.children.some((child) => child.name === 'skipped')) summary.skipped += 1;
    else summary.passed += 1;
    return;
  }
  summary.failed += 1;
  const name = testcase.attributes.name ?? '(unnamed test)';
  const body = problem?.text ?? '';
  const attribute = problem?.attributes.message ?? testcase.attributes.failure ?? '';
  // Vitest names suites after their file; node names a test file that failed to load after its path.
  const namedFile = [suites[0], name].find((candidate) => candidate !== undefined && isTestFile(candidate) && !/\s/.test(candidate));
  const declaredFile = testcase.attributes.file ?? suiteFile ?? namedFile;
  const fromStack = stackLocation(body);
  const file = declaredFile ?? fromStack?.file;
  const stackLine = fromStack && (!declaredFile || sameFile(fromStack.file, declaredFile)) ? fromStack.line : undefined;
  const line = testcase.attributes.line ? Number(testcase.attributes.line) : stackLine;
  summary.failures.push({
    name,
    ...(suites.length > 0 ? { suite: suites.join(' > ') } : {}),
    ...(file ? { file } : {}),
    ...(line ? { line } : {}),
    message: failureMessage(attribute, body),
  });
}

/** Reporters give paths differently (absolute, relative to the package); compare by suffix. */
function sameFile(a: string, b: string): boolean {
  const [longer, shorter] = a.length >= b.length ? [a, b] : [b, a];
  return longer === shorter || longer.endsWith(`/${shorter.replace(/^\.\//, '')}`);
}

/**
 * The assertion message. Node strips the line breaks from its message attribute (and escapes
 * its quotes twice), so the multi-line original is recovered from the failure body when the
 * body holds it; without an attribute (jest-junit), the body up to the first stack frame.
 */
function failureMessage(attribute: string, body: string): string {
  const message = attribute.replace(/&quot;/g, '"');
  if (message.trim() !== '') return withLineBreaks(message, body) ?? message;
  const lines = body.trim().split('\n');
  const firstFrame = lines.findIndex((line) => /^\s*(at\s|❯\s)/.test(line));
  return (
    lines
      .slice(0, firstFrame === -1 ? lines.length : firstFrame)
      .join('\n')
      .trim() || 'test failed (no message in the report)'
  );
}

function withLineBreaks(message: string, body: string): string | undefined {
  for (let start = body.indexOf(message[0]); start !== -1; start = body.indexOf(message[0], start + 1)) {
    let bodyAt = start;
    let messageAt = 0;
    while (messageAt < message.length && bodyAt < body.length) {
      if (body[bodyAt] === '\n' || body[bodyAt] === '\r') bodyAt += 1;
      else if (body[bodyAt] === message[messageAt]) {
        bodyAt += 1;
        messageAt += 1;
      } else break;
    }
    if (messageAt === message.length) return body.slice(start, bodyAt).trim();
  }
  return undefined;
}
