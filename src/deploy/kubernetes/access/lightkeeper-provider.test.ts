import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import { clusterAccess } from './cluster-access.ts';
import { clusterSchema, type ClusterConfig } from '../../../config/cluster-schema.ts';
import { standinOnPath } from '../../../test-support/lightkeeper-standin.ts';

const token = 'lk_api_7f3a9c2e5b1d4a8f';
let standin: Awaited<ReturnType<typeof standinOnPath>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  standin = await standinOnPath();
  env = { ...standin.env, LIGHTKEEPER_STANDIN_VALID_TOKEN: token, LIGHTKEEPER_STANDIN_SERVER: 'https://nonprod.k8s.example.test:6443' };
});
afterAll(() => standin.cleanup());

const lightkeeper = (fields: Record<string, unknown> = {}): ClusterConfig =>
  clusterSchema.parse({ provider: 'lightkeeper', cluster: 'nonprod', ...fields });

/** Everything a developer could see of a failure, to check that the token is in none of it. */
const visible = (failure: Error) => JSON.stringify({ ...failure, message: failure.message });

describe('lightkeeper provider', () => {
  it('gets the kubeconfig non-interactively with the token from LIGHTKEEPER_TOKEN', async () => {
    const access = await clusterAccess(lightkeeper(), { env: { ...env, LIGHTKEEPER_TOKEN: token }, environment: 'nonprod' });
    expect(access).toMatchObject({
      provider: 'lightkeeper',
      source: 'the kubeconfig printed by lightkeeper create clusterconfig nonprod',
      context: 'nonprod',
      cluster: 'nonprod',
      user: 'lightkeeper-nonprod',
      server: 'https://nonprod.k8s.example.test:6443',
      namespace: 'default',
    });
    expect(access.yaml).toContain('current-context: nonprod');
    expect(access.yaml).not.toContain(token);
    expect(access.secrets).toContain(token);
    expect(access.secrets.some((secret) => secret.startsWith('lk-session-'))).toBe(true);
  });

  it('reads the token from a secret file when tokenFile is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lk-token-'));
    try {
      await writeFile(join(dir, 'token'), `${token}\n`);
      const access = await clusterAccess(lightkeeper({ tokenFile: 'token' }), { env, cwd: dir });
      expect(access.server).toBe('https://nonprod.k8s.example.test:6443');
      const missing = await failureOf(clusterAccess(lightkeeper({ tokenFile: 'absent' }), { env, cwd: dir, environment: 'nonprod' }));
      expect(missing.specific).toBe(`Lightkeeper token file ${join(dir, 'absent')} does not exist`);
      expect(missing.hint).toBe(
        `mount the Lightkeeper API token for nonprod at ${join(dir, 'absent')} (environments.nonprod.cluster.tokenFile), or remove tokenFile to read LIGHTKEEPER_TOKEN`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns the browser login prompt into the Failure that says to provide the token', async () => {
    const failure = await failureOf(clusterAccess(lightkeeper(), { env }));
    expect(failure.specific).toBe('Lightkeeper needs a login: no token was provided');
    expect(failure.hint).toBe(
      'set LIGHTKEEPER_TOKEN (a Lightkeeper API token for nonprod) in the CI environment, or run `lightkeeper login` once on a workstation',
    );
    expect(failure.details).toEqual([
      'lightkeeper create clusterconfig nonprod asked for a browser login, which a pipeline cannot complete (exit code 1)',
      'LIGHTKEEPER_TOKEN is not set',
    ]);
    expect(failure.logExcerpt).toContain('To sign in, open https://login.lightkeeper.example/device and enter code ABCD-1234');
  });

  it('names the configured token variable', async () => {
    const failure = await failureOf(
      clusterAccess(lightkeeper({ tokenEnv: 'NONPROD_LK_TOKEN', cluster: 'staging' }), { env: { ...env, LIGHTKEEPER_TOKEN: token } }),
    );
    expect(failure.hint).toBe(
      'set NONPROD_LK_TOKEN (a Lightkeeper API token for staging) in the CI environment, or run `lightkeeper login` once on a workstation',
    );
  });

  it("reports a rejected token with the CLI's error and exit code, the token masked everywhere", async () => {
    const wrong = 'lk_api_wrong_0d9e8c7b6a';
    const failure = await failureOf(clusterAccess(lightkeeper(), { env: { ...env, LIGHTKEEPER_TOKEN: wrong } }));
    expect(failure.specific).toBe(
      'Lightkeeper rejected the token from LIGHTKEEPER_TOKEN: authentication failed (401 Unauthorized): token *** is invalid or expired',
    );
    expect(failure.details).toEqual(['lightkeeper create clusterconfig nonprod ended with exit code 1']);
    expect(failure.logExcerpt).toEqual(['Error: authentication failed (401 Unauthorized): token *** is invalid or expired']);
    expect(failure.hint).toBe('create a new Lightkeeper API token with access to nonprod and put it in LIGHTKEEPER_TOKEN');
    expect(visible(failure)).not.toContain(wrong);
  });

  it("carries the CLI's own error and exit code for an unknown cluster", async () => {
    const failure = await failureOf(
      clusterAccess(lightkeeper({ cluster: 'nonprd' }), { env: { ...env, LIGHTKEEPER_TOKEN: token }, environment: 'nonprod' }),
    );
    expect(failure.specific).toBe(
      'lightkeeper create clusterconfig nonprd failed with exit code 3: cluster "nonprd" not found; clusters you can access: nonprod, staging, prod',
    );
    expect(failure.hint).toBe(
      'see the Lightkeeper CLI\'s error; check environments.nonprod.cluster.cluster ("nonprd") and that the token can access it',
    );
    expect(visible(failure)).not.toContain(token);
  });

  it('says how to install the CLI when it is not on PATH', async () => {
    const failure = await failureOf(
      clusterAccess(lightkeeper(), {
        env: { ...env, PATH: standin.dir.replace(/[^/]+$/, 'nowhere'), LIGHTKEEPER_TOKEN: token },
        environment: 'nonprod',
      }),
    );
    expect(failure.specific).toBe('the Lightkeeper CLI (lightkeeper) was not found on PATH');
    expect(failure.hint).toBe(
      'install the Lightkeeper CLI on the runner and put its directory on PATH, or set environments.nonprod.cluster.executable to its full path',
    );
    const byPath = await failureOf(clusterAccess(lightkeeper({ executable: '/opt/lightkeeper/bin/lightkeeper' }), { env }));
    expect(byPath.specific).toBe(
      'the Lightkeeper CLI (/opt/lightkeeper/bin/lightkeeper) was not found at /opt/lightkeeper/bin/lightkeeper',
    );
  });

  it('says so when the CLI prints something that is not a kubeconfig', async () => {
    const failure = await failureOf(
      clusterAccess(lightkeeper(), {
        env: { ...env, LIGHTKEEPER_TOKEN: token, LIGHTKEEPER_STANDIN_OUTPUT: 'Cluster config written to ~/.lightkeeper/nonprod.yaml\n' },
      }),
    );
    expect(failure.specific).toBe(
      'lightkeeper create clusterconfig nonprod printed something that is not a kubeconfig: expected a YAML mapping with clusters, users and contexts, got the text "Cluster config written to ~/.lightkeeper/nonprod.yaml"',
    );
    expect(failure.logExcerpt).toEqual(['Cluster config written to ~/.lightkeeper/nonprod.yaml']);
    expect(failure.hint).toBe(
      'check that "lightkeeper" is the Lightkeeper CLI and supports `create clusterconfig <cluster> --token-stdin`',
    );
  });

  it('checks the printed kubeconfig: a context that does not exist', async () => {
    const failure = await failureOf(
      clusterAccess(lightkeeper({ context: 'nonprod-admin' }), { env: { ...env, LIGHTKEEPER_TOKEN: token }, environment: 'nonprod' }),
    );
    expect(failure.specific).toBe(
      'context "nonprod-admin" does not exist in the kubeconfig printed by lightkeeper create clusterconfig nonprod',
    );
    expect(failure.hint).toBe('set environments.nonprod.cluster.context to one of: nonprod');
  });

  it('stops a CLI that hangs, at the timeout', async () => {
    // The stand-in would answer after 20 s; the Failure comes from the timeout, not from its answer.
    const failure = await failureOf(
      clusterAccess(lightkeeper({ timeoutSeconds: 0.5 }), {
        env: { ...env, LIGHTKEEPER_TOKEN: token, LIGHTKEEPER_STANDIN_DELAY_MS: '20000' },
      }),
    );
    expect(failure.specific).toBe('lightkeeper create clusterconfig nonprod did not finish within 0.5s');
    expect(failure.hint).toBe('the Lightkeeper API may be unreachable from the runner; if it is only slow, raise cluster.timeoutSeconds');
  });

  it('recognises a CLI waiting for the browser login as needing a token, not as slow', async () => {
    const failure = await failureOf(
      clusterAccess(lightkeeper({ timeoutSeconds: 0.5 }), { env: { ...env, LIGHTKEEPER_STANDIN_DELAY_MS: '20000' } }),
    );
    expect(failure.specific).toBe('Lightkeeper needs a login: no token was provided');
    expect(failure.details[0]).toBe(
      'lightkeeper create clusterconfig nonprod asked for a browser login, which a pipeline cannot complete (stopped after 0.5s)',
    );
  });
});
