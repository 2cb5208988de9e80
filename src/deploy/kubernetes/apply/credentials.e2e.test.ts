import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureOf } from '../../../test-support/failure-of.ts';
import type { Failure } from '../../../shared/feedback/failure.ts';
import { startKubeStandin, type KubeStandin } from '../../../test-support/k8s-standin/index.ts';
import { kubeClient } from './client.ts';
import { deployRelease } from './deploy.ts';
import { dryRunApply } from './dry-run.ts';
import { embarkObjects, embarkReleaseOf, standinAccess } from '../../../test-support/kube-fixtures.ts';

let standin: KubeStandin;
beforeEach(async () => {
  standin = await startKubeStandin({ tickMs: 10 });
});
afterEach(async () => {
  await standin.close();
});

const release = embarkReleaseOf('1.5.0', '2');
const expiredToken = 'eyJhbGciOiJSUzI1NiJ9.expired-lightkeeper-token-0123456789';
const everything = (failure: Failure) =>
  JSON.stringify([failure.specific, failure.details, failure.logExcerpt, failure.hint, failure.message, failure.stack]);

describe('refused credentials and unreachable clusters', () => {
  it('says which credentials the cluster refused and how to renew them, never the token', async () => {
    const source = 'the kubeconfig printed by lightkeeper create clusterconfig nonprod';
    const access = standinAccess(standin, standin.kubeconfig.replace(standin.token, expiredToken), 'lightkeeper', source);
    const failure = await failureOf(
      deployRelease(kubeClient(access), {
        project: 'embark',
        environment: 'dev',
        namespace: 'embark-dev',
        release,
        objects: embarkObjects(release),
      }),
    );
    expect(failure.specific).toBe(`the cluster refused the credentials of ${source} (401 Unauthorized)`);
    expect(failure.details).toEqual(['while trying to apply Namespace embark-dev (dry run)', `API server: ${standin.url}`]);
    expect(failure.hint).toBe(
      'The Lightkeeper kubeconfig has probably expired: renew the Lightkeeper API token the pipeline uses (it gets a fresh kubeconfig from `lightkeeper create clusterconfig` on each run) and run again.',
    );
    expect(everything(failure)).not.toContain(expiredToken);
    expect(everything(failure)).not.toContain(standin.token);
    expect(standin.list('v1', 'Namespace')).toEqual([]);
  });

  it('names the kubeconfig file when its token is wrong', async () => {
    const access = standinAccess(standin, standin.kubeconfig.replace(standin.token, 'wrong-token-for-this-cluster'));
    const failure = await failureOf(dryRunApply(kubeClient(access), embarkObjects(release)));
    expect(failure.specific).toBe('the cluster refused the credentials of /home/ci/.kube/config (401 Unauthorized)');
    expect(failure.hint).toBe(
      'The token or certificate in /home/ci/.kube/config has expired or been revoked: renew the kubeconfig and run again.',
    );
    expect(everything(failure)).not.toContain('wrong-token-for-this-cluster');
  });

  it('says when the API server cannot be reached', async () => {
    const url = standin.url;
    await standin.close();
    const failure = await failureOf(dryRunApply(kubeClient(standinAccess(standin)), embarkObjects(release)));
    expect(failure.specific).toBe(`cannot reach the Kubernetes API server ${url} (from /home/ci/.kube/config)`);
    expect(failure.details[0]).toMatch(/^while trying to apply Namespace embark-dev \(dry run\): .*ECONNREFUSED/);
    standin = await startKubeStandin();
  });
});
