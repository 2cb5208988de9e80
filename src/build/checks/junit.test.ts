import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseJunit } from './junit.ts';

// Written by node 20.20: `node --test --test-reporter=junit` over a test file with nested suites,
// a failing assertion, a thrown error, skip and todo, and a test file that fails to load.
const nodeReport = readFileSync(new URL('../../test-support/fixtures/node20-junit.xml', import.meta.url), 'utf8');

describe('parseJunit', () => {
  it('counts node test runner results, todo as skipped', () => {
    const summary = parseJunit(nodeReport);
    expect({ passed: summary.passed, failed: summary.failed, skipped: summary.skipped }).toEqual({ passed: 2, failed: 3, skipped: 2 });
  });

  it('names each failing node test with its suite, file, line and message', () => {
    const { failures } = parseJunit(nodeReport);
    expect(failures).toEqual([
      { name: '/tmp/node-junit-fixture/broken.test.js', file: '/tmp/node-junit-fixture/broken.test.js', message: 'test failed' },
      {
        name: 'pads the month',
        suite: 'formatDate',
        file: '/tmp/node-junit-fixture/format.test.js',
        line: 6,
        message: "Expected values to be strictly equal:\n+ actual - expected\n\n+ '2026-1-05'\n- '2026-01-05'\n        ^",
      },
      {
        name: 'uses the UTC day',
        suite: 'formatDate > in UTC',
        file: '/tmp/node-junit-fixture/format.test.js',
        line: 11,
        message: 'expected <day> & "night"',
      },
    ]);
  });

  it('reads jest-junit reports: file attribute, message from the failure body', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="2" failures="1" errors="0" time="1.2">
  <testsuite name="src/format.test.ts" errors="0" failures="1" skipped="0" timestamp="2026-11-20T10:00:00" time="0.5" tests="2">
    <testcase classname="formatDate pads the month" name="formatDate pads the month" time="0.002" file="src/format.test.ts">
      <failure><![CDATA[Error: expect(received).toBe(expected) // Object.is equality

Expected: "2026-01-05"
Received: "2026-1-05"
    at Object.<anonymous> (/repo/packages/shared/src/format.test.ts:12:29)
    at Promise.then.completed (/repo/node_modules/jest-circus/build/utils.js:298:28)]]></failure>
    </testcase>
    <testcase classname="formatDate keeps the year" name="formatDate keeps the year" time="0.001" file="src/format.test.ts"/>
  </testsuite>
</testsuites>`;
    expect(parseJunit(xml)).toEqual({
      passed: 1,
      failed: 1,
      skipped: 0,
      failures: [
        {
          name: 'formatDate pads the month',
          suite: 'src/format.test.ts',
          file: 'src/format.test.ts',
          line: 12,
          message: 'Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: "2026-01-05"\nReceived: "2026-1-05"',
        },
      ],
    });
  });

  it('reads Vitest reports: the suite is the file, frames marked ❯', () => {
    const xml = `<testsuites name="vitest tests" tests="2" failures="1" errors="0">
    <testsuite name="src/api.test.ts" timestamp="2026-11-20T10:00:00" hostname="ci" tests="2" failures="1" errors="0" skipped="1" time="0.01">
        <testcase classname="src/api.test.ts" name="api &gt; returns 404 for unknown routes" time="0.004">
            <failure message="expected 200 to be 404 // Object.is equality" type="AssertionError">
AssertionError: expected 200 to be 404 // Object.is equality
 ❯ src/api.test.ts:21:24
            </failure>
        </testcase>
        <testcase classname="src/api.test.ts" name="api &gt; streams" time="0"><skipped/></testcase>
    </testsuite>
</testsuites>`;
    expect(parseJunit(xml).failures).toEqual([
      {
        name: 'api > returns 404 for unknown routes',
        suite: 'src/api.test.ts',
        file: 'src/api.test.ts',
        line: 21,
        message: 'expected 200 to be 404 // Object.is equality',
      },
    ]);
  });

  it('counts <error> as a failure and finds the file in the stack when the report has none', () => {
    const xml = `<testsuite name="Mocha Tests"><testcase name="connects" classname="db"><error message="connect ECONNREFUSED 127.0.0.1:5432">Error: connect ECONNREFUSED 127.0.0.1:5432
    at helper (/repo/packages/backend/test/helpers.js:4:11)
    at Context.&lt;anonymous&gt; (/repo/packages/backend/test/db.spec.js:9:5)</error></testcase></testsuite>`;
    expect(parseJunit(xml).failures).toEqual([
      {
        name: 'connects',
        suite: 'Mocha Tests',
        file: '/repo/packages/backend/test/db.spec.js',
        line: 9,
        message: 'connect ECONNREFUSED 127.0.0.1:5432',
      },
    ]);
  });

  it('reads an empty report as nothing run', () => {
    expect(parseJunit('<?xml version="1.0"?><testsuites></testsuites>')).toEqual({ passed: 0, failed: 0, skipped: 0, failures: [] });
  });
});
