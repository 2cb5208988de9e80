import { describe, expect, it } from 'vitest';
import { defaultBuildInputs } from '../../config/task-inputs.ts';
import { inputMatcher, nameMatcher, outputMatcher } from './outputs.ts';

describe('outputMatcher', () => {
  it('covers everything under a directory, globs by segment, and ** alone covers every file', () => {
    const isOutput = outputMatcher(['dist', './reports/', '*.tsbuildinfo']);
    expect(['dist/a.js', 'dist/deep/b.js', 'reports/junit.xml', 'tsconfig.tsbuildinfo'].filter(isOutput)).toHaveLength(4);
    expect(['distant.js', 'src/dist.ts', 'src/tsconfig.tsbuildinfo/x'].filter(isOutput)).toEqual([]);
    expect(['a.ts', 'src/deep/b.ts'].every(outputMatcher(['**']))).toBe(true);
  });
});

describe('inputMatcher', () => {
  it('takes out what a negation names, after what the patterns before it put in', () => {
    const isInput = inputMatcher(['src/**', 'package.json', '!src/**/*.test.ts']);
    expect(isInput('src/index.ts')).toBe(true);
    expect(isInput('src/deep/util.ts')).toBe(true);
    expect(isInput('package.json')).toBe(true);
    expect(isInput('src/index.test.ts')).toBe(false);
    expect(isInput('src/deep/util.test.ts')).toBe(false);
    expect(isInput('README.md')).toBe(false); // matched by no pattern
  });

  it('lets a later pattern put back what an earlier negation took out: the last match decides', () => {
    const isInput = inputMatcher(['**', '!**/*.test.*', 'src/fixtures.test.json']);
    expect(isInput('src/a.test.ts')).toBe(false);
    expect(isInput('src/fixtures.test.json')).toBe(true);
    expect(inputMatcher(['!src/**', 'src/**'])('src/a.ts')).toBe(true);
    expect(inputMatcher(['src/**', '!src/**'])('src/a.ts')).toBe(false);
  });

  it('by default keeps every test file and test directory out of build inputs, and nothing else', () => {
    const isBuildInput = inputMatcher(defaultBuildInputs);
    const tests = [
      'src/a.test.ts',
      'src/deep/a.spec.tsx',
      'test/helpers.ts',
      'tests/e2e/login.ts',
      'src/__tests__/a.ts',
      'src/__snapshots__/a.test.ts.snap',
    ];
    const sources = ['src/index.ts', 'package.json', 'tsconfig.json', 'src/test/exported-helpers.ts', 'src/latest.ts', 'testing.md'];
    expect(tests.filter(isBuildInput)).toEqual([]);
    expect(sources.filter(isBuildInput)).toEqual(sources);
  });
});

describe('nameMatcher', () => {
  it('matches whole package names or globs of them, never a prefix', () => {
    expect(['@scope/a', '@scope/b', '@other/a', 'docs'].filter(nameMatcher('@scope/*'))).toEqual(['@scope/a', '@scope/b']);
    expect(['docs', 'docs-site', '@scope/docs'].filter(nameMatcher('docs'))).toEqual(['docs']);
    expect(['@scope/a', '@scope/b'].filter(nameMatcher('@scope'))).toEqual([]);
    expect(['docs', '@scope/a'].filter(nameMatcher('**'))).toEqual(['docs', '@scope/a']);
  });
});
