import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exec } from '../../shared/exec.ts';
import { blobId, listFiles, WorkTreeListing } from './files.ts';

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

describe('listFiles in a git repository', () => {
  const git = (...args: string[]) => exec('git', args, { cwd: root });
  beforeEach(async () => {
    await git('init', '-q', '-b', 'main');
    for (const [path, content] of Object.entries({
      '.gitignore': 'dist/\n',
      'package.json': '{}',
      'src/kept.ts': 'kept',
      'src/edited.ts': 'before',
      'src/removed.ts': 'removed',
    })) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), content);
    }
    await git('add', '-A');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'first');
  });

  it("takes unchanged files' ids from git, leaves changed and new ones to be read, drops deleted and ignored ones", async () => {
    await writeFile(join(root, 'src/edited.ts'), 'after');
    await rm(join(root, 'src/removed.ts'));
    await writeFile(join(root, 'src/new.ts'), 'new');
    await mkdir(join(root, 'dist'));
    await writeFile(join(root, 'dist/out.js'), 'built');
    const { files, algorithm } = await listFiles(root);
    expect(algorithm).toBe('sha1');
    expect([...files.keys()].sort()).toEqual(['.gitignore', 'package.json', 'src/edited.ts', 'src/kept.ts', 'src/new.ts']);
    expect(files.get('src/kept.ts')).toBe(await blobId(join(root, 'src/kept.ts'), 'sha1'));
    expect(files.get('src/edited.ts')).toBeUndefined();
    expect(files.get('src/new.ts')).toBeUndefined();
  });

  it('reads a file whose edit is staged by its content, like any other edit', async () => {
    await writeFile(join(root, 'src/edited.ts'), 'staged');
    await git('add', 'src/edited.ts');
    const { files } = await listFiles(root);
    expect(files.get('src/edited.ts')).toBe(await blobId(join(root, 'src/edited.ts'), 'sha1'));
  });
});

describe("WorkTreeListing: one run's listing", () => {
  const git = (...args: string[]) => exec('git', args, { cwd: root });
  beforeEach(async () => {
    await git('init', '-q', '-b', 'main');
    await writeFile(join(root, 'package.json'), '{}');
  });

  it('lists once and answers every later ask from that listing, until told the tree changed', async () => {
    const workTree = new WorkTreeListing(root);
    expect([...(await workTree.of(root)).files.keys()]).toEqual(['package.json']);
    await writeFile(join(root, 'new.js'), 'new');
    // A build writing outputs does not change what the run hashes.
    expect([...(await workTree.of(root)).files.keys()]).toEqual(['package.json']);
    workTree.changed();
    expect([...(await workTree.of(root)).files.keys()].sort()).toEqual(['new.js', 'package.json']);
  });

  it('starts from the listing the run was handed, and lists another directory afresh', async () => {
    const found = { files: new Map([['handed.js', 'id']]), algorithm: 'sha1' as const };
    const workTree = new WorkTreeListing(root, found);
    expect(await workTree.of(root)).toBe(found);
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub', 'inner.js'), 'inner');
    expect([...(await workTree.of(join(root, 'sub'))).files.keys()]).toEqual(['inner.js']);
  });
});
