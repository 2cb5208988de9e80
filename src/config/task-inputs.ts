// Apart from the schema, which loads zod: the build reads these on every run, the schema is loaded only when the configuration changed.

/**
 * Files that are tests, package-relative: test files by name, the test directories at a
 * package's top (a nested `test/` may be source, e.g. a library's exported test helpers), and
 * jest's and vitest's `__tests__` and `__snapshots__` wherever they are. None is read by a build,
 * unless the build compiles tests, which Slipway notices (see build/workspace/compiled-tests.ts).
 */
export const testFilePatterns = ['**/*.test.*', '**/*.spec.*', 'test/**', 'tests/**', '**/__tests__/**', '**/__snapshots__/**'] as const;

/** A build reads every file of its package but tests: editing a test rebuilds nothing. */
export const defaultBuildInputs = ['**', ...testFilePatterns.map((pattern) => `!${pattern}`)];

/** Tests read every file of their package (their sources through the build hash as well). */
export const defaultTestInputs = ['**'];
