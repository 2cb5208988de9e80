import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exec } from '../../shared/exec.ts';
import { createJsRepository } from '../../test-support/js-repository.ts';
import { workflowProblems } from '../../test-support/workflow-parser.ts';

const cli = fileURLToPath(new URL('../../../bin/slipway.js', import.meta.url));
const slipway = (...args: string[]) => exec(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } });

const config = {
  project: 'fixture',
  services: { app: { package: '@fixture/app', port: 3000, command: ['node', 'dist/index.js'], health: '/health', routes: ['/'] } },
  registry: { url: 'ghcr.io/acme' },
  cache: { remote: { bucket: 'fixture-cache', region: 'eu-west-1' } },
  environments: {
    nonprod: { namespace: 'fixture-nonprod', host: 'nonprod.example.com', cluster: { provider: 'kubeconfig' } },
    prod: { namespace: 'fixture-prod', host: 'example.com', gate: 'manual', cluster: { provider: 'lightkeeper', cluster: 'prod' } },
  },
};

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'slipway-init-cli-'));
  await createJsRepository(repo, {
    lockfile: 'yarn-berry',
    packageManager: 'yarn@4.5.0',
    config,
    origin: 'git@github.com:acme/fixture.git',
  });
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const workflowFile = () => join(repo, '.github/workflows/slipway.yml');

describe('slipway init github', () => {
  it('writes a workflow GitHub parses, and prints every secret, variable, environment and setting it needs', async () => {
    const result = await slipway('init', 'github', '--repo', repo);
    expect(result.code, result.output).toBe(0);
    const text = await readFile(workflowFile(), 'utf8');
    expect(await workflowProblems(text)).toEqual([]);
    expect(Object.keys((parse(text) as { jobs: object }).jobs)).toEqual(['ci', 'release', 'release-half', 'approve', 'rollback']);
    const printed = result.stdout;
    expect(printed).toMatch(
      /^\.github\/workflows\/slipway\.yml written: pull requests run slipway ci; pushes to main run slipway run, then slipway release in the same run \(needs\)/,
    );
    const section = (title: string) =>
      printed
        .split('\n\n')
        .find((block) => block.startsWith(title))!
        .split('\n')
        .slice(1);
    expect(section('Secrets').map((line) => line.replace(/^ {2}- /, '').split(':')[0])).toEqual([
      'SLIPWAY_CACHE_KEY',
      'KUBECONFIG_DATA',
      'LIGHTKEEPER_TOKEN',
    ]);
    expect(section('Variables').map((line) => line.replace(/^ {2}- /, '').split(':')[0])).toEqual(['AWS_ROLE_ARN', 'AWS_REGION']);
    expect(section('Environments').join('\n')).toContain('prod: add required reviewers');
    // The HMAC cache key stays with the jobs of main, so pull requests need no AWS role.
    expect(section('AWS').join('\n')).toContain(
      'token.actions.githubusercontent.com:sub repo:acme/fixture:ref:refs/heads/main (release, release-half);',
    );
    expect(section('Repository settings').join('\n')).toContain(
      'allow actions/checkout, actions/setup-node, aws-actions/configure-aws-credentials',
    );
    // Only what is needed: GitHub Actions never creates or approves a pull request here.
    expect(printed).not.toContain('create and approve pull requests');
  });

  it('leaves an unchanged workflow alone, refuses to overwrite an edited one, and replaces it with --force', async () => {
    expect((await slipway('init', 'github', '--repo', repo)).code).toBe(0);
    const generated = await readFile(workflowFile(), 'utf8');
    const again = await slipway('init', 'github', '--repo', repo);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('.github/workflows/slipway.yml unchanged (already as generated)');

    const edited = generated.replace('npx slipway ci', 'npx slipway ci --verbose');
    await writeFile(workflowFile(), edited);
    const refused = await slipway('init', 'github', '--repo', repo, '--release-half', 'dispatch');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      '.github/workflows/slipway.yml exists and differs from the one slipway init github writes; it was left as it is',
    );
    expect(refused.stderr).toMatch(/first difference at line \d+:/);
    expect(refused.stderr).toContain('to replace it, run slipway init github --force (its edits are lost: commit or copy them first)');
    expect(await readFile(workflowFile(), 'utf8')).toBe(edited);

    const forced = await slipway('init', 'github', '--repo', repo, '--release-half', 'dispatch', '--force');
    expect(forced.code, forced.output).toBe(0);
    expect(forced.stdout).toContain('.github/workflows/slipway.yml replaced (--force)');
    const replaced = parse(await readFile(workflowFile(), 'utf8')) as { on: Record<string, unknown> };
    expect(replaced.on.repository_dispatch).toEqual({ types: ['slipway-release'] });
  });

  it('names the target it needs', async () => {
    const missing = await slipway('init', '--repo', repo);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('slipway init needs a target');
    expect(missing.stderr).toContain('slipway init github [--release-half needs|dispatch] [--force]');
    const unknown = await slipway('init', 'gitlab', '--repo', repo);
    expect(unknown.stderr).toContain('slipway init knows no "gitlab"');
  });
});

describe('slipway init config', () => {
  let plain: string;
  beforeEach(async () => {
    plain = await mkdtemp(join(tmpdir(), 'slipway-init-config-'));
    await createJsRepository(plain, {
      lockfile: 'npm',
      files: {
        'turbo.json': JSON.stringify({
          tasks: {
            build: { dependsOn: ['^build'], outputs: ['dist/**'], inputs: ['$TURBO_DEFAULT$', '!README.md'] },
            test: { dependsOn: ['build'], inputs: ['src/**', 'test/**'] },
            '@fixture/app#test': { dependsOn: ['@fixture/app#codegen'] },
          },
        }),
      },
    });
  });
  afterEach(async () => {
    await rm(plain, { recursive: true, force: true });
  });

  it('writes a configuration carrying over turbo.json that Slipway loads, and prints what it could not carry over', async () => {
    const result = await slipway('init', 'config', '--repo', plain);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('slipway.config.ts written, carrying over turbo.json');
    expect(result.stdout).toContain('"@fixture/app#test" depends on @fixture/app#codegen');
    const { loadConfig } = await import('../../config/load.ts');
    const { config } = await loadConfig(plain);
    expect(config.project).toBe('fixture');
    expect(config.tasks.outputs).toEqual(['dist/**']);
    expect(config.tasks.build).toMatchObject({ script: 'build', inputs: ['**', '!README.md'] });
    expect(config.tasks.test).toMatchObject({ script: 'test', inputs: ['src/**', 'test/**'] });
  });

  it('leaves an edited configuration alone, and refuses to write a second one beside another format', async () => {
    expect((await slipway('init', 'config', '--repo', plain)).code).toBe(0);
    await writeFile(join(plain, 'slipway.config.ts'), "export default { project: 'mine' };\n");
    const again = await slipway('init', 'config', '--repo', plain);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('slipway.config.ts exists and differs from the one slipway init config writes');
    await rm(join(plain, 'slipway.config.ts'));
    await writeFile(join(plain, 'slipway.config.json'), '{"project":"mine"}\n');
    const beside = await slipway('init', 'config', '--repo', plain);
    expect(beside.stderr).toContain("slipway.config.json is already this repository's configuration");
  });
});
