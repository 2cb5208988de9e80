import { describe, expect, it } from 'vitest';
import { UnsafeEntryError } from '../../shared/confined-path.ts';
import { entryName, linkEscape } from './entry-paths.ts';

describe('entryName', () => {
  it('normalises names under the saved paths', () => {
    expect(entryName('dist/./a//b.js', ['dist'])).toBe('dist/a/b.js');
    expect(entryName('dist', ['dist/'])).toBe('dist');
    expect(entryName('packages/app/node_modules/x', ['node_modules', 'packages/app/node_modules'])).toBe('packages/app/node_modules/x');
  });

  it('refuses absolute names, "..", and names outside the saved paths, naming the entry', () => {
    const refusal = (name: string) => {
      try {
        entryName(name, ['dist']);
      } catch (error) {
        return error instanceof UnsafeEntryError ? error.message : 'not an UnsafeEntryError';
      }
      return 'accepted';
    };
    expect(refusal('/etc/passwd')).toBe('/etc/passwd: an absolute name');
    expect(refusal('/dist/x')).toBe('/dist/x: an absolute name');
    expect(refusal('dist/../../x')).toBe('dist/../../x: a ".." component');
    expect(refusal('distant/x')).toBe('distant/x: outside the saved paths');
    expect(refusal('.')).toBe('.: outside the saved paths');
  });
});

describe('linkEscape', () => {
  it('allows relative targets that stay inside the directory the entry restores into', () => {
    expect(linkEscape('dist/link', 'index.js')).toBeUndefined();
    expect(linkEscape('dist/link', './sub/index.js')).toBeUndefined();
    expect(linkEscape('dist/link', '../elsewhere')).toBeUndefined(); // beside dist, still inside
    expect(linkEscape('node_modules/.bin/tsc', '../typescript/bin/tsc')).toBeUndefined();
    expect(linkEscape('packages/app/node_modules/@x/core', '../../../core')).toBeUndefined();
    expect(linkEscape('dist/here', '.')).toBeUndefined();
  });

  it('refuses absolute targets, climbing above the directory, and ".." after a name', () => {
    expect(linkEscape('dist/x', '/tmp/outside')).toBe('points to the absolute path /tmp/outside');
    expect(linkEscape('dist/x', '../..')).toBe('points to ../.., outside the directory it is restored into');
    expect(linkEscape('dist', '..')).toBe('points to .., outside the directory it is restored into');
    expect(linkEscape('dist/a/b/x', 'c/../../../../y')).toBe('points to c/../../../../y, with ".." after a name');
    // Even when it would land inside: "a" may itself be a link, so ".." after it cannot be counted.
    expect(linkEscape('dist/x', 'a/..')).toBe('points to a/.., with ".." after a name');
    expect(linkEscape('dist/x', '')).toBe('an empty target');
  });
});
