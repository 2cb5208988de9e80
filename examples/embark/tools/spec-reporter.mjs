// The built-in spec reporter, with coverage measured on the code under test only.
import { compose } from 'node:stream';
import { spec } from 'node:test/reporters';
import { withoutTestFiles } from './coverage-filter.mjs';

export default async function* specOfCodeUnderTest(source) {
  yield* compose(withoutTestFiles(source), spec);
}
