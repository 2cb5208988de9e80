import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enterPre, exitPre } from '@changesets/pre';
import { applyVersion, planVersion } from './index.ts';
import { failureOf } from '../../test-support/failure-of.ts';

const november = new Date('2026-11-20T12:00:00Z');
let repo: string;

async function write(path: string, content: string): Promise<void> {
  await mkdir(join(repo, path, '..'), { recursive: true });
  await writeFile(join(repo, path), content);
}

async function git(...args: string[]): Promise<string> {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
}

/** A small npm workspace like our users': backend and frontend released together, a shared library. */
async function createRepo(version = '1.2.0'): Promise<void> {
  repo = await mkdtemp(join(tmpdir(), 'slipway-version-'));
  await write('package.json', JSON.stringify({ name: 'embark', private: true, workspaces: ['packages/*'] }, null, 2) + '\n');
  await write('package-lock.json', JSON.stringify({ name: 'embark', lockfileVersion: 3, requires: true, packages: {} }) + '\n');
  await write(
    'packages/backend/package.json',
    JSON.stringify({ name: '@embark/backend', version, private: true, dependencies: { '@embark/shared': `^${version}` } }, null, 2) + '\n',
  );
  await write('packages/frontend/package.json', JSON.stringify({ name: '@embark/frontend', version, private: true }, null, 2) + '\n');
  await write('packages/shared/package.json', JSON.stringify({ name: '@embark/shared', version, private: true }, null, 2) + '\n');
  await write(
    '.changeset/config.json',
    JSON.stringify(
      {
        changelog: '@changesets/cli/changelog',
        commit: false,
        fixed: [['@embark/backend', '@embark/frontend']],
        linked: [],
        access: 'restricted',
        baseBranch: 'main',
        updateInternalDependencies: 'patch',
        ignore: [],
      },
      null,
      2,
    ),
  );
  await write('.changeset/README.md', '# Changesets\n');
  await write('.changeset/add-tables.md', '---\n"@embark/backend": minor\n---\n\nAdd the tables API\n');
  await git('init', '-q', '-b', 'main');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'base');
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'add tables');
}

const semver = () => ({ repoDir: repo, scheme: 'semver' as const, releasePackage: '@embark/backend', date: november });

beforeEach(async () => createRepo());
afterEach(async () => rm(repo, { recursive: true, force: true }));

describe('planVersion', () => {
  it('plans a minor bump, releasing the fixed group together, and writes nothing', async () => {
    const plan = await planVersion(semver());
    expect(plan.releaseVersion).toBe('1.3.0');
    expect(plan.tag).toBe('v1.3.0');
    expect(plan.snapshot).toBe(false);
    expect(plan.changesetFiles).toEqual(['.changeset/add-tables.md']);
    expect(plan.releases).toEqual([
      { name: '@embark/backend', oldVersion: '1.2.0', newVersion: '1.3.0', type: 'minor', summaries: ['Add the tables API'] },
      { name: '@embark/frontend', oldVersion: '1.2.0', newVersion: '1.3.0', type: 'minor', summaries: [] },
    ]);
    expect(plan.changelog).toBe(
      '## @embark/backend@1.3.0\n\n### Minor Changes\n\n- Add the tables API\n\n## @embark/frontend@1.3.0\n\n- Version bump only.\n',
    );
    expect(await git('status', '--porcelain')).toBe('');
  });

  it("numbers CalVer releases on from this month's tags: 26.11.1 tagged gives 26.11.2", async () => {
    await git('tag', 'v26.11.1');
    await git('tag', 'v26.10.7');
    const plan = await planVersion({ ...semver(), scheme: 'calver' });
    expect(plan.releaseVersion).toBe('26.11.2');
    expect(plan.tag).toBe('v26.11.2');
    expect(plan.releases.map((release) => [release.name, release.newVersion])).toEqual([
      ['@embark/backend', '26.11.2'],
      ['@embark/frontend', '26.11.2'],
    ]);
    expect(plan.changelog).toContain('## @embark/backend@26.11.2\n\n### Minor Changes\n\n- Add the tables API');
  });

  it('plans a snapshot version from the commit without consuming changesets', async () => {
    const commit = await git('rev-parse', 'HEAD');
    const plan = await planVersion({ ...semver(), snapshot: { commit } });
    expect(plan.releaseVersion).toBe(`1.3.0-snapshot-${commit.slice(0, 7)}`);
    expect(plan.snapshot).toBe(true);
    const changed = await applyVersion(repo, plan);
    expect(changed).toEqual(['packages/backend/package.json', 'packages/frontend/package.json']);
    expect(existsSync(join(repo, '.changeset/add-tables.md'))).toBe(true);
    expect(existsSync(join(repo, 'packages/backend/CHANGELOG.md'))).toBe(false);
    expect(JSON.parse(await readFile(join(repo, 'packages/backend/package.json'), 'utf8')).version).toBe(
      `1.3.0-snapshot-${commit.slice(0, 7)}`,
    );
  });

  it('names the file, the unknown package and the workspace packages for a stale changeset', async () => {
    await write('.changeset/old-tables.md', '---\n"@embark/plugin-x": patch\n---\n\nOld plugin fix\n');
    const failure = await failureOf(planVersion(semver()));
    expect(failure.specific).toBe(
      "changeset .changeset/old-tables.md names package '@embark/plugin-x', which is not in the workspace; packages: @embark/backend, @embark/frontend, @embark/shared",
    );
    expect(failure.hint).toContain('.changeset/old-tables.md');
  });

  it('names the file with malformed front matter', async () => {
    await write('.changeset/broken.md', '"@embark/backend": minor\n\nForgot the dashes\n');
    const failure = await failureOf(planVersion(semver()));
    expect(failure.specific).toBe('changeset .changeset/broken.md has malformed front matter: missing or invalid frontmatter');
    expect(failure.hint).toContain('"---"');
  });

  it('names the file and package with an invalid bump type', async () => {
    await write('.changeset/huge.md', '---\n"@embark/shared": huge\n---\n\nA big one\n');
    const failure = await failureOf(planVersion(semver()));
    expect(failure.specific).toBe(
      "changeset .changeset/huge.md gives package '@embark/shared' the invalid bump type 'huge'; valid types: major, minor, patch, none",
    );
  });

  it('reports nothing to release when no changeset is pending', async () => {
    await rm(join(repo, '.changeset/add-tables.md'));
    const failure = await failureOf(planVersion(semver()));
    expect(failure.specific).toBe('no pending changesets: nothing to release');
    expect(failure.hint).toContain('.changeset/<name>.md');
  });

  it('refuses a release package that no changeset releases', async () => {
    await rm(join(repo, '.changeset/add-tables.md'));
    await write('.changeset/shared-fix.md', '---\n"@embark/frontend": none\n---\n\nDocs only\n');
    const failure = await failureOf(planVersion(semver()));
    expect(failure.specific).toBe("no pending changeset releases '@embark/backend', whose version names the release");
  });
});

describe('applyVersion', () => {
  it('writes the versions and CHANGELOG.md files and deletes the consumed changeset', async () => {
    await write('packages/backend/CHANGELOG.md', '# @embark/backend\n\n## 1.2.0\n\n### Minor Changes\n\n- Earlier work\n');
    await write('.changeset/shared-fix.md', '---\n"@embark/shared": patch\n---\n\nFix date formatting\n\nin every locale\n');
    const plan = await planVersion(semver());
    const changed = await applyVersion(repo, plan);
    expect(changed).toEqual([
      '.changeset/add-tables.md',
      '.changeset/shared-fix.md',
      'packages/backend/CHANGELOG.md',
      'packages/backend/package.json',
      'packages/frontend/CHANGELOG.md',
      'packages/frontend/package.json',
      'packages/shared/CHANGELOG.md',
      'packages/shared/package.json',
    ]);
    const backend = JSON.parse(await readFile(join(repo, 'packages/backend/package.json'), 'utf8'));
    expect(backend).toEqual({ name: '@embark/backend', version: '1.3.0', private: true, dependencies: { '@embark/shared': '^1.2.1' } });
    expect(await readFile(join(repo, 'packages/backend/CHANGELOG.md'), 'utf8')).toBe(
      '# @embark/backend\n\n## 1.3.0\n\n### Minor Changes\n\n- Add the tables API\n\n### Patch Changes\n\n- Updated dependencies\n  - @embark/shared@1.2.1\n\n## 1.2.0\n\n### Minor Changes\n\n- Earlier work\n',
    );
    expect(await readFile(join(repo, 'packages/shared/CHANGELOG.md'), 'utf8')).toBe(
      '# @embark/shared\n\n## 1.2.1\n\n### Patch Changes\n\n- Fix date formatting\n\n  in every locale\n',
    );
    expect(existsSync(join(repo, '.changeset/add-tables.md'))).toBe(false);
    expect(existsSync(join(repo, '.changeset/config.json'))).toBe(true);
    // Applying the same plan twice is caught, not done twice.
    const failure = await failureOf(applyVersion(repo, plan));
    expect(failure.specific).toBe("the version plan is stale: '@embark/backend' is at 1.3.0, the plan expected 1.2.0");
  });
});

/** One merge to main in prerelease mode, as the version stage does it: plan, apply, commit, tag. */
async function releaseOnce(options: Parameters<typeof planVersion>[0]): Promise<Awaited<ReturnType<typeof planVersion>>> {
  const plan = await planVersion(options);
  await applyVersion(repo, plan);
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', `Version packages: ${plan.tag}`);
  await git('tag', plan.tag);
  return plan;
}

async function addChangeset(name: string, body: string): Promise<void> {
  await write(`.changeset/${name}.md`, body);
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', name);
}

describe("changesets' prerelease mode (changeset pre enter rc)", () => {
  beforeEach(async () => {
    await enterPre(repo, 'rc');
    await git('add', '-A');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'enter pre mode');
  });

  it('numbers merges -rc.0, -rc.1 from the new changesets only, then releases the stable version on exit', async () => {
    const first = await releaseOnce(semver());
    expect([first.tag, first.prerelease]).toEqual(['v1.3.0-rc.0', true]);
    expect(first.changelog).toContain('- Add the tables API');
    // Prerelease mode keeps the changesets it released, and records them as released.
    expect(existsSync(join(repo, '.changeset/add-tables.md'))).toBe(true);
    expect(JSON.parse(await readFile(join(repo, '.changeset/pre.json'), 'utf8'))).toMatchObject({
      mode: 'pre',
      tag: 'rc',
      changesets: ['add-tables'],
    });

    const nothingNew = await failureOf(planVersion(semver()));
    expect(nothingNew.specific).toBe(
      'no new changeset since the last prerelease: .changeset/pre.json lists every pending changeset as released',
    );
    expect(nothingNew.hint).toContain('changeset pre exit');

    await addChangeset('fix-paging', '---\n"@embark/backend": patch\n---\n\nFix paging\n');
    const second = await releaseOnce(semver());
    expect(second.tag).toBe('v1.3.0-rc.1');
    expect(second.changelog).toContain('- Fix paging');
    expect(second.changelog).not.toContain('Add the tables API');
    expect(second.changesetFiles).toEqual(['.changeset/fix-paging.md']);

    await exitPre(repo);
    const stable = await releaseOnce(semver());
    expect([stable.tag, stable.prerelease]).toEqual(['v1.3.0', false]);
    // The stable release's notes cover the whole prerelease series, and it consumes its changesets.
    expect(stable.changelog).toContain('- Add the tables API');
    expect(stable.changelog).toContain('- Fix paging');
    expect(existsSync(join(repo, '.changeset/pre.json'))).toBe(false);
    expect(existsSync(join(repo, '.changeset/add-tables.md'))).toBe(false);
    expect(existsSync(join(repo, '.changeset/fix-paging.md'))).toBe(false);
  });

  it('gives CalVer the same: YY.MM.N-rc.K, then YY.MM.N', async () => {
    await git('tag', 'v26.11.1');
    const calver = { ...semver(), scheme: 'calver' as const };
    expect((await releaseOnce(calver)).tag).toBe('v26.11.2-rc.0');
    await addChangeset('fix-paging', '---\n"@embark/backend": patch\n---\n\nFix paging\n');
    const second = await releaseOnce(calver);
    expect([second.tag, second.prerelease]).toEqual(['v26.11.2-rc.1', true]);
    await exitPre(repo);
    const stable = await releaseOnce(calver);
    expect([stable.tag, stable.prerelease]).toEqual(['v26.11.2', false]);
  });

  it('names the field of a .changeset/pre.json that changesets would misread', async () => {
    await write('.changeset/pre.json', JSON.stringify({ mode: 'beta', tag: 'rc', initialVersions: {}, changesets: [] }));
    const failure = await failureOf(planVersion(semver()));
    expect(failure.specific).toBe(`.changeset/pre.json is not changesets' prerelease state: "mode" is "beta", expected "pre" or "exit"`);
    expect(failure.hint).toContain('changeset pre enter');
    await write('.changeset/pre.json', '{ "mode": "pre", ');
    expect((await failureOf(planVersion(semver()))).specific).toMatch(/^\.changeset\/pre\.json is not valid JSON: /);
  });
});
