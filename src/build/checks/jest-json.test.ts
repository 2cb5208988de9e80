import { describe, expect, it } from 'vitest';
import { parseJestJson } from './jest-json.ts';

/** Trimmed from `jest --json --testLocationInResults` (jest 30) on a file with one failing test. */
const run = {
  testResults: [
    {
      name: '/repo/packages/pj/src/a.test.js',
      status: 'failed',
      message: '  ● math › breaks\n\n    expect(received).toBe(expected)',
      assertionResults: [
        { ancestorTitles: ['math'], title: 'adds', status: 'passed', failureMessages: [], location: { line: 3, column: 3 } },
        {
          ancestorTitles: ['math'],
          title: 'breaks',
          status: 'failed',
          failureMessages: [
            'Error: \u001b[2mexpect(\u001b[22mreceived\u001b[2m).toBe(\u001b[22mexpected\u001b[2m)\u001b[22m // Object.is equality\n\nExpected: 5\nReceived: 3\n    at Object.toBe (/repo/packages/pj/src/a.test.js:5:18)\n    at Promise.finally.completed (/repo/node_modules/jest-circus/build/jestAdapterInit.js:1834:28)',
          ],
          location: { line: 4, column: 3 },
        },
        { ancestorTitles: [], title: 'later', status: 'pending', failureMessages: [] },
        { ancestorTitles: [], title: 'someday', status: 'todo', failureMessages: [] },
      ],
    },
    {
      name: '/repo/packages/pj/src/broken.test.js',
      status: 'failed',
      message:
        '  ● Test suite failed to run\n\n    SyntaxError: Unexpected token (3:4)\n\n      at Parser.pp$4.raise (node_modules/acorn/dist/acorn.js:2927:15)',
      assertionResults: [],
    },
  ],
};

describe('parseJestJson', () => {
  it('counts tests and names each failure with its describe blocks, file, assertion line and message', () => {
    expect(parseJestJson(JSON.stringify(run))).toEqual({
      passed: 1,
      failed: 2,
      skipped: 2,
      failures: [
        {
          name: 'breaks',
          suite: 'math',
          file: '/repo/packages/pj/src/a.test.js',
          line: 5,
          message: 'expect(received).toBe(expected) // Object.is equality\n\nExpected: 5\nReceived: 3',
        },
        {
          name: 'test file failed to run',
          file: '/repo/packages/pj/src/broken.test.js',
          message: '● Test suite failed to run\n\n    SyntaxError: Unexpected token (3:4)',
        },
      ],
    });
  });

  it("falls back to the test's own line when no stack frame is in its file", () => {
    const [file] = run.testResults;
    const thrownElsewhere = {
      testResults: [
        {
          ...file,
          assertionResults: [{ ...file.assertionResults[1], failureMessages: ['Error: boom\n    at helper (/repo/lib/h.js:1:1)'] }],
        },
      ],
    };
    expect(parseJestJson(JSON.stringify(thrownElsewhere)).failures[0]).toMatchObject({ line: 4, message: 'boom' });
  });
});
