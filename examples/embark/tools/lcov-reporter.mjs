// The built-in lcov reporter, with coverage measured on the code under test only.
import { compose } from 'node:stream';
import { lcov } from 'node:test/reporters';
import { withoutTestFiles } from './coverage-filter.mjs';

export default async function* lcovOfCodeUnderTest(source) {
  yield* compose(withoutTestFiles(source), lcov);
}
