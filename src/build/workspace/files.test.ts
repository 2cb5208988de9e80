import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFiles } from './files.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-files-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('listFiles outside a git repository', () => {
  it("lists every file but installs, git's and Slipway's own home", async () => {
    for (const path of ['package.json', 'src/index.js', 'node_modules/dep/index.js', '.slipway/state.db', '.slipway/cache/x']) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), path);
    }
    expect([...(await listFiles(root)).files.keys()].sort()).toEqual(['package.json', 'src/index.js']);
  });
});
