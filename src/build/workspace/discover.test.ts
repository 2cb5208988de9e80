import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../../shared/feedback/failure.ts';
import { discoverWorkspace, forgetDiscoveredWorkspaces } from './discover.ts';

let root: string;
async function write(relPath: string, content: unknown): Promise<void> {
  await mkdir(dirname(join(root, relPath)), { recursive: true });
  await writeFile(join(root, relPath), typeof content === 'string' ? content : JSON.stringify(content));
}
async function twoPackages(): Promise<void> {
  await write('packages/shared/package.json', { name: '@x/shared', version: '1.2.0' });
  await write('packages/app/package.json', {
    name: '@x/app',
    version: '0.1.0',
    scripts: { build: 'vite build' },
    dependencies: { react: '^18' },
    devDependencies: { '@x/shared': '*' },
  });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-discover-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('discoverWorkspace', () => {
  it('reads an npm workspace: packages, scripts, workspace deps and lockfile', async () => {
    await write('package.json', { name: 'mono', workspaces: ['packages/*'] });
    await write('package-lock.json', { lockfileVersion: 3, packages: {} });
    await twoPackages();
    const ws = await discoverWorkspace(root);
    expect(ws.tool).toBe('npm');
    expect(ws.root).toBe(root);
    expect(ws.lockfile).toBe(join(root, 'package-lock.json'));
    expect(ws.packages.map((pkg) => [pkg.name, pkg.relDir, pkg.dir, pkg.version, pkg.workspaceDeps])).toEqual([
      ['@x/app', 'packages/app', join(root, 'packages/app'), '0.1.0', ['@x/shared']],
      ['@x/shared', 'packages/shared', join(root, 'packages/shared'), '1.2.0', []],
    ]);
    expect(ws.packages[0].scripts).toEqual({ build: 'vite build' });
  });

  it('reuses a discovery while the layout is unchanged, and sees a rewritten manifest or a new package', async () => {
    await write('package.json', { name: 'mono', workspaces: ['packages/*'] });
    await twoPackages();
    const first = await discoverWorkspace(root);
    expect(await discoverWorkspace(root)).toBe(first);
    await write('packages/shared/package.json', { name: '@x/shared', version: '1.3.0' });
    const bumped = await discoverWorkspace(root);
    expect(bumped.packages.find((pkg) => pkg.name === '@x/shared')!.version).toBe('1.3.0');
    await write('packages/tools/package.json', { name: '@x/tools', version: '0.0.1' });
    expect((await discoverWorkspace(root)).packages.map((pkg) => pkg.name)).toEqual(['@x/app', '@x/shared', '@x/tools']);
  });

  it('remembers the workspace beside installed dependencies for the next process, while its layout is unchanged', async () => {
    await write('package.json', { name: 'mono', workspaces: ['packages/*'] });
    await twoPackages();
    await discoverWorkspace(root);
    const memo = join(root, 'node_modules/.cache/slipway/workspace.json');
    await expect(readFile(memo)).rejects.toThrow();
    await mkdir(join(root, 'node_modules'));
    forgetDiscoveredWorkspaces();
    const first = await discoverWorkspace(root);
    expect(JSON.parse(await readFile(memo, 'utf8')).workspace).toEqual(first);
    forgetDiscoveredWorkspaces();
    expect(await discoverWorkspace(root)).toEqual(first);
    // A new package is seen by the next process too.
    await write('packages/tools/package.json', { name: '@x/tools', version: '0.0.1' });
    forgetDiscoveredWorkspaces();
    expect((await discoverWorkspace(root)).packages.map((pkg) => pkg.name)).toEqual(['@x/app', '@x/shared', '@x/tools']);
    await write('packages/app/package.json', { name: '@x/app', version: '0.2.0' });
    forgetDiscoveredWorkspaces();
    expect((await discoverWorkspace(root)).packages.find((pkg) => pkg.name === '@x/app')!.version).toBe('0.2.0');
  });

  it('still reads an npm workspace whose lockfile is missing (the deps stage reports it)', async () => {
    await write('package.json', { name: 'mono', workspaces: ['packages/*'] });
    await twoPackages();
    const ws = await discoverWorkspace(root);
    expect([ws.tool, ws.lockfile, ws.packages.length]).toEqual(['npm', undefined, 2]);
  });

  it('reads yarn, pnpm and lerna layouts', async () => {
    await twoPackages();
    await write('package.json', { name: 'mono', private: true, workspaces: { packages: ['packages/*'] } });
    await write('yarn.lock', '# yarn lockfile v1\n');
    expect((await discoverWorkspace(root)).tool).toBe('yarn');

    await rm(join(root, 'yarn.lock'));
    await write('package.json', { name: 'mono' });
    await write('pnpm-workspace.yaml', 'packages:\n  - "packages/*"\n');
    await write('pnpm-lock.yaml', "lockfileVersion: '9.0'\n");
    const pnpm = await discoverWorkspace(root);
    expect([pnpm.tool, pnpm.lockfile, pnpm.packages.length]).toEqual(['pnpm', join(root, 'pnpm-lock.yaml'), 2]);

    await rm(join(root, 'pnpm-workspace.yaml'));
    await write('lerna.json', { packages: ['packages/*'] }); // lerna itself lists the packages
    const lerna = await discoverWorkspace(root);
    expect([lerna.tool, lerna.packages.length]).toEqual(['lerna', 2]);
  });

  it('treats a plain package as a one-package workspace', async () => {
    await write('package.json', { name: 'solo', version: '2.0.0', scripts: { test: 'vitest' } });
    const ws = await discoverWorkspace(root);
    expect(ws.tool).toBe('root');
    expect(ws.packages.map((pkg) => [pkg.name, pkg.relDir])).toEqual([['solo', '.']]);
  });

  it('reports a missing package.json and unnamed packages precisely', async () => {
    await expect(discoverWorkspace(root)).rejects.toThrow(`Not a JavaScript workspace: no package.json at ${root}`);
    await write('package.json', { name: 'mono', workspaces: ['packages/*'] });
    await write('packages/nameless/package.json', { version: '1.0.0' });
    const error = await discoverWorkspace(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Failure);
    expect((error as Failure).specific).toBe('1 workspace package(s) have no "name" in package.json');
    expect((error as Failure).details).toEqual(['packages/nameless/package.json']);
  });
});
