import { describe, expect, it } from 'vitest';
import { parseDiffAddedLines, unquoteC } from './git-diff.ts';

const sorted = (lines: Set<number> | 'all' | undefined) => (lines instanceof Set ? [...lines].sort((a, b) => a - b) : lines);

describe('parseDiffAddedLines', () => {
  it('collects added and modified lines of the new file, not deletions', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1111111..2222222 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -2 +2,2 @@ export function a() {',
      '-  return 1;',
      '+  const x = 1;',
      '+  return x;',
      '@@ -10,3 +11,0 @@',
      '-gone',
      '-gone',
      '-gone',
      '@@ -20,0 +18 @@',
      '+added',
      '',
    ].join('\n');
    expect([...parseDiffAddedLines(diff)].map(([file, lines]) => [file, sorted(lines)])).toEqual([['src/a.ts', [2, 3, 18]]]);
  });

  it('ignores deleted and binary files, and pure renames without hunks', () => {
    const diff = [
      'diff --git a/old.ts b/old.ts',
      'deleted file mode 100644',
      'index 1111111..0000000',
      '--- a/old.ts',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-one',
      '-two',
      'diff --git a/logo.png b/logo.png',
      'index 1111111..2222222 100644',
      'Binary files a/logo.png and b/logo.png differ',
      'diff --git a/x.ts b/y.ts',
      'similarity index 100%',
      'rename from x.ts',
      'rename to y.ts',
      '',
    ].join('\n');
    expect(parseDiffAddedLines(diff).size).toBe(0);
  });

  it('reads a hunk body by its counts, so content that looks like a header stays content', () => {
    const diff = [
      'diff --git a/notes.md b/notes.md',
      '--- a/notes.md',
      '+++ b/notes.md',
      '@@ -1 +1,3 @@',
      '-old',
      '+++ b/evil.md',
      '+diff --git a/evil.md b/evil.md',
      '+@@ -1 +100,5 @@',
      '\\ No newline at end of file',
      'diff --git a/b.ts b/b.ts',
      '--- a/b.ts',
      '+++ b/b.ts',
      '@@ -4 +4 @@',
      '-x',
      '\\ No newline at end of file',
      '+y',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    expect([...parseDiffAddedLines(diff)].map(([file, lines]) => [file, sorted(lines)])).toEqual([
      ['notes.md', [1, 2, 3]],
      ['b.ts', [4]],
    ]);
  });

  it('reads names with spaces (tab-terminated) and quoted names', () => {
    const diff = [
      'diff --git a/my file.ts b/my file.ts',
      '--- a/my file.ts\t',
      '+++ b/my file.ts\t',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'diff --git "a/tab\\tname.ts" "b/tab\\tname.ts"',
      '--- "a/tab\\tname.ts"',
      '+++ "b/tab\\tname.ts"',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '',
    ].join('\n');
    expect([...parseDiffAddedLines(diff).keys()]).toEqual(['my file.ts', 'tab\tname.ts']);
  });

  it('unquotes octal UTF-8 bytes and escapes', () => {
    expect(unquoteC('"b/\\303\\274ber \\"q\\".ts"')).toBe('b/über "q".ts');
    expect(unquoteC('"b/back\\\\slash"')).toBe('b/back\\slash');
  });
});
