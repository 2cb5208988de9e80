import { execFile } from 'node:child_process';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The package managers tests run for real besides npm, each as the npm registry publishes it. */
const published = {
  pnpm: { spec: 'pnpm@9.15.9', bin: 'pnpm' },
  'yarn-classic': { spec: 'yarn@1.22.22', bin: 'yarn' },
  // Yarn 4 as a plain npm package, so corepack needs no download from outside the npm registry.
  'yarn-berry': { spec: '@yarnpkg/cli-dist@4.18.1', bin: 'yarn' },
} as const;

export type TestPackageManager = keyof typeof published;

/**
 * A directory holding the package manager's executable, installed once per machine under the
 * temp directory (published by rename, so concurrent test files never see half an install).
 */
export async function packageManagerBinDir(manager: TestPackageManager): Promise<string> {
  const home = join(tmpdir(), 'slipway-test-package-managers', manager);
  const binDir = join(home, 'node_modules', '.bin');
  const present = () =>
    access(join(binDir, published[manager].bin)).then(
      () => true,
      () => false,
    );
  if (await present()) return binDir;
  const staging = `${home}.${process.pid}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await promisify(execFile)('npm', ['install', '--prefix', staging, '--no-audit', '--no-fund', '--no-save', published[manager].spec]);
  await rename(staging, home).catch(async (error: NodeJS.ErrnoException) => {
    await rm(staging, { recursive: true, force: true });
    if (!(await present())) throw error;
  });
  return binDir;
}

/** Runs `fn` with `binDir` first on PATH, as a developer's shell would find the package manager. */
export async function withPath<T>(binDir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PATH;
  process.env.PATH = `${binDir}:${before ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = before;
  }
}
