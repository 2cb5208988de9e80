import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLdd } from './base-layer.ts';
import { completeAndSort, type LayerEntry } from './layer-entry.ts';
import { writeLayerBlob } from './layer-writer.ts';
import { sha256 } from '../../shared/hash.ts';

describe('writeLayerBlob', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-layer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes byte-identical blobs for the same entries, named by their digest', async () => {
    await writeFile(join(dir, 'server.js'), 'console.log(1)\n');
    const entries: LayerEntry[] = completeAndSort([
      { type: 'file', path: 'app/dist/server.js', mode: 0o644, size: 15, source: join(dir, 'server.js') },
      { type: 'file', path: 'app/package.json', mode: 0o644, content: Buffer.from('{}') },
      { type: 'symlink', path: 'app/link', target: 'dist/server.js' },
    ]);
    expect(entries.map((entry) => entry.path)).toEqual(['app', 'app/dist', 'app/dist/server.js', 'app/link', 'app/package.json']);
    const settings = { mtime: new Date(0), gzipLevel: 6 };
    const first = await writeLayerBlob(entries, join(dir, 'a'), settings);
    const second = await writeLayerBlob(entries, join(dir, 'b'), settings);
    expect(second).toEqual(first);
    const bytes = await readFile(join(dir, 'a', first.digest.slice('sha256:'.length)));
    expect(`sha256:${sha256(bytes)}`).toBe(first.digest);
    expect(bytes.length).toBe(first.size);
    expect(bytes.readUInt32LE(4)).toBe(0); // gzip header MTIME field
  });
});

describe('parseLdd', () => {
  it('lists the libraries and the loader, not the vdso', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f57)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f57)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f57)',
    ].join('\n');
    expect(parseLdd(output)).toEqual([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});
