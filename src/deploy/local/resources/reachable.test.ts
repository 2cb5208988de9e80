import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blockingDirectory } from './reachable.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('blockingDirectory', () => {
  it('names the closed directory another user cannot pass through, and nothing when all are open', async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-reach-'));
    const binary = join(dir, 'node_modules', 'bin', 'initdb');
    await mkdir(join(dir, 'node_modules', 'bin'), { recursive: true });
    await writeFile(binary, '');
    const other = (process.getuid?.() ?? 0) + 12345;
    await chmod(dir, 0o700);
    expect(await blockingDirectory(binary, other)).toEqual({ dir, mode: '700' });
    // Its owner passes through its own directory.
    expect(await blockingDirectory(binary, process.getuid?.() ?? 0)).toBeUndefined();
    await chmod(dir, 0o755);
    expect(await blockingDirectory(binary, other)).toBeUndefined();
  });
});
