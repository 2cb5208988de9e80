// Slipway's mocha reporter (see runner-shim.sh): mocha's own spec reporter on the terminal, and
// a JUnit report of the same run at $SLIPWAY_MOCHA_REPORT, since mocha runs one reporter at a time.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- mocha loads reporters with require() */
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');

/** The Spec reporter of the mocha that is running (the one the package's bin directory found). */
function specReporter() {
  for (const from of [process.argv[1], process.cwd()]) {
    try {
      return require(require.resolve('mocha', { paths: [from] })).reporters.Spec;
    } catch {
      // the next place
    }
  }
  return undefined;
}

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function testCase(test) {
  const attributes = `name="${escape(test.name)}"${test.file ? ` file="${escape(test.file)}"` : ''}`;
  if (test.outcome === 'skipped') return `    <testcase ${attributes}><skipped/></testcase>`;
  if (test.outcome === 'passed') return `    <testcase ${attributes}/>`;
  const message = (test.error && test.error.message !== undefined ? String(test.error.message) : String(test.error)).trimEnd();
  const stack = test.error && test.error.stack ? test.error.stack : message;
  return `    <testcase ${attributes}><failure message="${escape(message)}">${escape(stack)}</failure></testcase>`;
}

function SlipwayReporter(runner, options) {
  const Spec = specReporter();
  if (typeof Spec === 'function') new Spec(runner, options);
  const cases = [];
  const record = (test, outcome, error) => {
    const titles = test.titlePath();
    cases.push({
      suite: titles.slice(0, -1).join(' > '),
      name: titles[titles.length - 1] ?? test.title,
      file: test.file ? resolve(test.file) : undefined,
      outcome,
      error,
    });
  };
  runner.on('pass', (test) => record(test, 'passed'));
  runner.on('pending', (test) => record(test, 'skipped'));
  runner.on('fail', (test, error) => record(test, 'failed', error));
  runner.once('end', () => {
    const output = process.env.SLIPWAY_MOCHA_REPORT;
    if (!output) return;
    const failures = cases.filter((test) => test.outcome === 'failed').length;
    const suites = new Map();
    for (const test of cases) suites.set(test.suite, [...(suites.get(test.suite) ?? []), test]);
    const body = [...suites].map(([suite, tests]) => {
      const name = suite ? ` name="${escape(suite)}"` : '';
      return `  <testsuite${name} tests="${tests.length}">\n${tests.map(testCase).join('\n')}\n  </testsuite>`;
    });
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(
      output,
      `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mocha" tests="${cases.length}" failures="${failures}">\n${body.join('\n')}\n</testsuites>\n`,
    );
  });
}

module.exports = SlipwayReporter;
