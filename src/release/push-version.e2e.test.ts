import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../shared/git.ts';
import { failureOf } from '../test-support/failure-of.ts';
import { pushVersion } from './push-version.ts';

let dir: string;
let origin: string;

async function commit(repo: string, file: string, message: string): Promise<string> {
  await writeFile(join(repo, file), message);
  await git(repo, ['add', '-A']);
  await git(repo, ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '-qm', message]);
  return (await git(repo, ['rev-parse', 'HEAD'])).trim();
}

async function clone(name: string): Promise<string> {
  await git(dir, ['clone', '-q', origin, name]);
  return join(dir, name);
}

async function remoteRef(ref: string): Promise<string | undefined> {
  return (await git(dir, ['ls-remote', origin, ref])).split('\t')[0] || undefined;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-push-version-'));
  origin = join(dir, 'origin.git');
  await git(dir, ['init', '-q', '--bare', '-b', 'main', origin]);
  const seed = join(dir, 'seed');
  await git(dir, ['init', '-q', '-b', 'main', seed]);
  await commit(seed, 'README.md', 'initial');
  await git(seed, ['push', '-q', origin, 'main']);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pushing the version commit and its tag', () => {
  it('moves main to the version commit and tags it', async () => {
    const runner = await clone('runner');
    const versionCommit = await commit(runner, 'CHANGELOG.md', 'Version packages');
    await git(runner, ['tag', 'v1.5.0', versionCommit]);
    await pushVersion(runner, 'main', versionCommit, 'v1.5.0');
    expect(await remoteRef('refs/heads/main')).toBe(versionCommit);
    expect(await remoteRef('refs/tags/v1.5.0')).toBe(versionCommit);
    // A resumed run pushes the same again: nothing changes, nothing fails.
    await pushVersion(runner, 'main', versionCommit, 'v1.5.0');
  });

  it('pushes neither when main moved on meanwhile, and says what happens next', async () => {
    const runner = await clone('runner');
    const other = await clone('other');
    const newer = await commit(other, 'feature.txt', 'A newer merge');
    await git(other, ['push', '-q', 'origin', 'main']);
    const versionCommit = await commit(runner, 'CHANGELOG.md', 'Version packages');
    await git(runner, ['tag', 'v1.5.0', versionCommit]);

    const failure = await failureOf(pushVersion(runner, 'main', versionCommit, 'v1.5.0'));
    expect(failure.specific).toBe("could not push the version commit and tag v1.5.0 to origin's main");
    expect(failure.hint).toBe(
      'main moved on while this run released: nothing was released; the run of the newer merge releases both changes',
    );
    expect(failure.logExcerpt.join('\n')).toMatch(/rejected/);
    expect(await remoteRef('refs/heads/main')).toBe(newer);
    expect(await remoteRef('refs/tags/v1.5.0')).toBeUndefined();
  });

  it('names the permission when the repository refuses the push', async () => {
    const runner = await clone('runner');
    const versionCommit = await commit(runner, 'CHANGELOG.md', 'Version packages');
    await git(runner, ['tag', 'v1.5.0', versionCommit]);
    await git(runner, ['remote', 'set-url', 'origin', join(dir, 'no-such-repository.git')]);
    const failure = await failureOf(pushVersion(runner, 'main', versionCommit, 'v1.5.0'));
    expect(failure.hint).toContain('contents: write');
  });
});
