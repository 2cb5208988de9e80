import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listOutputFiles, outputsRefusal } from './output-files.ts';

describe('listOutputFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-output-files-'));
    const files = [
      'types/index.d.ts',
      'types/store/index.d.ts',
      'types/cache/state.json',
      'web/types/client.d.ts',
      'src/index.ts',
      'node_modules/dep/types/index.d.ts',
    ];
    for (const file of files) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), file);
    }
    await symlink('index.d.ts', join(dir, 'types/main.d.ts'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the files and symlinks the globs name, a "!" glob taking out, node_modules never', async () => {
    expect(await listOutputFiles(dir, ['types/**', '**/types/**', '!types/cache/**'])).toEqual([
      'types/index.d.ts',
      'types/main.d.ts',
      'types/store/index.d.ts',
      'web/types/client.d.ts',
    ]);
    expect(await listOutputFiles(dir, ['types/*.d.ts'])).toEqual(['types/index.d.ts', 'types/main.d.ts']);
  });

  it('lists nothing without globs, or when what they name is not there', async () => {
    expect(await listOutputFiles(dir, [])).toEqual([]);
    expect(await listOutputFiles(dir, ['dist/**'])).toEqual([]);
  });
});

describe('outputsRefusal', () => {
  const globs = ['types/**', '!types/cache/**'];

  it('accepts a list of paths the globs name, or none', () => {
    expect(outputsRefusal(['types/index.d.ts', 'types/store/index.d.ts'], globs)).toBeUndefined();
    expect(outputsRefusal([], [])).toBeUndefined();
  });

  it('names a path outside the outputs, absolute, climbing or not normal, and a list that is none', () => {
    expect(outputsRefusal(['types/index.d.ts', 'src/index.ts'], globs)).toBe(
      'it holds "src/index.ts", which the outputs (types/**, !types/cache/**) do not name',
    );
    expect(outputsRefusal(['types/cache/state.json'], globs)).toMatch(/^it holds "types\/cache\/state.json"/);
    expect(outputsRefusal(['/etc/passwd'], ['**'])).toMatch(/^it holds "\/etc\/passwd"/);
    expect(outputsRefusal(['types/../../counter'], globs)).toMatch(/^it holds "types\/..\/..\/counter"/);
    expect(outputsRefusal(['./types/index.d.ts'], globs)).toMatch(/^it holds ".\/types\/index.d.ts"/);
    expect(outputsRefusal(['types/a.d.ts'], [])).toBe('it holds "types/a.d.ts", which the outputs (none) do not name');
    expect(outputsRefusal([7], globs)).toBe('it holds 7, which the outputs (types/**, !types/cache/**) do not name');
    expect(outputsRefusal(undefined, globs)).toBe('it lists no outputs');
  });
});
