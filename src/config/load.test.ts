import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Failure } from '../shared/feedback/failure.ts';
import { loadConfig, requireReleaseTargets } from './load.ts';
import { validateConfig } from './validate.ts';
import { defaultBuildInputs } from './task-inputs.ts';

const minimal = {
  project: 'demo',
  services: { web: { package: '@demo/web', port: 3000, command: ['node', 'dist/server.js'], health: '/healthz', routes: ['/'] } },
  environments: { nonprod: { namespace: 'demo-nonprod', host: 'nonprod.demo.local' } },
};

describe('configuration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a TypeScript config that imports slipway, with defaults filled in', async () => {
    await writeFile(
      join(dir, 'slipway.config.ts'),
      `import { defineConfig } from 'slipway';\nconst port: number = 3000;\nexport default defineConfig(${JSON.stringify(minimal).replace('3000', 'port')});\n`,
    );
    const { config } = await loadConfig(dir);
    expect(config.services.web.port).toBe(3000);
    expect(config.tasks).toEqual({
      build: { script: 'build', inputs: defaultBuildInputs },
      test: { script: 'test', inputs: ['**'] },
      outputs: ['dist'],
      env: [],
      globalInputs: ['tsconfig*.json', '.npmrc', '.nvmrc', '.node-version'],
    });
    expect(config.cache).toEqual({ maxMegabytes: 10_240 });
    expect(config.environments.nonprod.replicas).toBe(1);
  });

  it('needs only a project to build and test, and says what a release lacks', () => {
    const config = validateConfig({ project: 'checks-only' }, 'slipway.config.ts');
    expect(config.services).toEqual({});
    let failure: unknown;
    try {
      requireReleaseTargets(config);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Failure);
    expect((failure as Failure).specific).toBe('slipway.config declares no services and no environments');
    expect((failure as Failure).hint).toContain('run `slipway ci` to build and test only');
    expect(() => requireReleaseTargets(validateConfig(minimal, 'slipway.config.ts'))).not.toThrow();
  });

  it('compiles a TypeScript config again only when a file it imports changed', async () => {
    const cacheDir = join(dir, 'cache');
    await writeFile(join(dir, 'project.ts'), "export const project = 'first';\n");
    const source = `import { defineConfig } from 'slipway';\nimport { project } from './project.ts';\nexport default defineConfig(${JSON.stringify(minimal).replace('"demo"', 'project')});\n`;
    await writeFile(join(dir, 'slipway.config.ts'), source);
    expect((await loadConfig(dir, { cacheDir })).config.project).toBe('first');
    expect((await readdir(join(cacheDir, 'config'))).filter((name) => !name.startsWith('valid-'))).toHaveLength(1);
    expect((await loadConfig(dir, { cacheDir })).config.project).toBe('first');
    await writeFile(join(dir, 'project.ts'), "export const project = 'second-name';\n");
    expect((await loadConfig(dir, { cacheDir })).config.project).toBe('second-name');
    expect((await readdir(dir)).filter((name) => name.endsWith('.mjs'))).toEqual([]);
    // A configuration validated before is not trusted once it changes.
    await writeFile(join(dir, 'project.ts'), "export const project = 'Not A Name';\n");
    await expect(loadConfig(dir, { cacheDir })).rejects.toThrow('slipway.config.ts is invalid (1 problem)');
  });

  it('loads a config that imports a package, resolving it from the project, and leaves no file behind', async () => {
    await writeFile(
      join(dir, 'slipway.config.ts'),
      `import { basename } from 'node:path';\nexport default { ...${JSON.stringify(minimal)}, project: basename('/x/from-a-package') };\n`,
    );
    expect((await loadConfig(dir, { cacheDir: join(dir, 'cache') })).config.project).toBe('from-a-package');
    expect((await readdir(dir)).filter((name) => name.endsWith('.mjs'))).toEqual([]);
  });

  it('loads YAML', async () => {
    await writeFile(
      join(dir, 'slipway.config.yaml'),
      'project: demo\nservices:\n  web: {package: "@demo/web", port: 3000, command: [node, dist/server.js], health: /healthz, routes: [/]}\nenvironments:\n  nonprod: {namespace: demo-nonprod, host: nonprod.demo.local}\n',
    );
    expect((await loadConfig(dir)).config.project).toBe('demo');
  });

  it('names the path of every bad field and what was expected', () => {
    const bad = { ...minimal, services: { web: { ...minimal.services.web, port: 'eighty', colour: 'blue' } } };
    try {
      validateConfig(bad, 'slipway.config.ts');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Failure);
      const failure = error as Failure;
      expect(failure.specific).toBe('slipway.config.ts is invalid (2 problems)');
      expect(failure.details.join('\n')).toMatch(/services\.web\.port: .*expected number/);
      expect(failure.details.join('\n')).toMatch(/services\.web: .*colour/);
    }
  });

  it("checks the remote cache's signing settings: uploads from main by default, a public key must be Ed25519", () => {
    const remote = { bucket: 'team-cache' };
    expect(validateConfig({ ...minimal, cache: { remote } }, 'slipway.config.ts').cache.remote).toEqual({ ...remote, write: 'main' });
    const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const accepted = { ...remote, write: ['main', 'release'], keyFile: '/run/secrets/cache-key', publicKey: ed25519 };
    expect(validateConfig({ ...minimal, cache: { remote: accepted } }, 'slipway.config.ts').cache.remote).toEqual(accepted);
    try {
      validateConfig({ ...minimal, cache: { remote: { ...remote, publicKey: rsa, write: [] } } }, 'slipway.config.ts');
      expect.unreachable();
    } catch (error) {
      const failure = error as Failure;
      expect(failure.specific).toBe('slipway.config.ts is invalid (2 problems)');
      expect(failure.details.join('\n')).toMatch(/cache\.remote\.publicKey: expected an Ed25519 public key in PEM form/);
      expect(failure.details.join('\n')).toMatch(/cache\.remote\.write: /);
    }
  });

  it('reads the sharding settings, shards waiting 20 minutes by default, and names a bad one', () => {
    expect(validateConfig(minimal, 'slipway.config.ts').ci).toEqual({ shardWaitMinutes: 20 });
    expect(validateConfig({ ...minimal, ci: { shards: 3, shardWaitMinutes: 5 } }, 'slipway.config.ts').ci).toEqual({
      shards: 3,
      shardWaitMinutes: 5,
    });
    try {
      validateConfig({ ...minimal, ci: { shards: 0, shardWaitMinutes: 'soon' } }, 'slipway.config.ts');
      expect.unreachable();
    } catch (error) {
      const failure = error as Failure;
      expect(failure.specific).toBe('slipway.config.ts is invalid (2 problems)');
      expect(failure.details.join('\n')).toMatch(/ci\.shards: /);
      expect(failure.details.join('\n')).toMatch(/ci\.shardWaitMinutes: .*expected number/);
    }
  });

  it('sends no Slack message unless asked, reads the webhook from SLACK_WEBHOOK_URL by default, and names a bad setting', () => {
    expect(validateConfig(minimal, 'slipway.config.ts').notify).toEqual({});
    expect(validateConfig({ ...minimal, notify: { slack: {} } }, 'slipway.config.ts').notify).toEqual({
      slack: { webhookUrlEnv: 'SLACK_WEBHOOK_URL', on: 'always' },
    });
    try {
      // The URL itself has no place in the file: it is a secret, read from the environment.
      validateConfig(
        { ...minimal, notify: { slack: { webhookUrlEnv: 'https://hooks.slack.com/x', on: 'sometimes', webhookUrl: 'x' } } },
        'slipway.config.ts',
      );
      expect.unreachable();
    } catch (error) {
      const failure = error as Failure;
      expect(failure.specific).toBe('slipway.config.ts is invalid (3 problems)');
      expect(failure.details.join('\n')).toMatch(/notify\.slack\.webhookUrlEnv: an environment variable name/);
      expect(failure.details.join('\n')).toMatch(/notify\.slack\.on: /);
      expect(failure.details.join('\n')).toMatch(/notify\.slack: .*webhookUrl/);
    }
  });

  it('reports a config that does not compile with its line', async () => {
    await writeFile(join(dir, 'slipway.config.ts'), 'export default {\n  project: "x",,\n};\n');
    await expect(loadConfig(dir)).rejects.toMatchObject({
      specific: 'slipway.config.ts does not compile',
      details: [expect.stringMatching(/slipway\.config\.ts:2:\d+/)],
    });
  });

  it('says how to start when there is no config', async () => {
    await expect(loadConfig(dir)).rejects.toMatchObject({ specific: expect.stringMatching(/^no configuration in/) });
  });
});
