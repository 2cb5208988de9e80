import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apiFailure } from './api-failure.ts';

const access = {
  provider: 'kubeconfig' as const,
  source: '/home/ci/.kube/config',
  server: 'https://api.example.com:6443',
  secrets: ['s3cr3t-token'],
};
const status = (code: number, reason: string, message: string) =>
  new ApiException(code, 'Unsuccessful HTTP Request', JSON.stringify({ kind: 'Status', status: 'Failure', reason, message, code }), {});

describe('apiFailure', () => {
  it("names the object, the HTTP status and the server's message", () => {
    const failure = apiFailure(
      access,
      status(404, 'NotFound', 'namespaces "embark-dev" not found'),
      'apply Deployment embark-backend in embark-dev',
    );
    expect(failure.specific).toBe(
      'cannot apply Deployment embark-backend in embark-dev: HTTP 404 NotFound: namespaces "embark-dev" not found',
    );
    expect(failure.details).toEqual(['API server: https://api.example.com:6443 (from /home/ci/.kube/config)']);
  });

  it('tells refused permissions from refused credentials, and redacts what the server echoes', () => {
    const forbidden = apiFailure(
      access,
      status(403, 'Forbidden', 'token s3cr3t-token: deployments.apps is forbidden: User "ci" cannot patch resource "deployments"'),
      'apply Deployment embark-backend in embark-dev',
    );
    expect(forbidden.specific).toBe('the cluster refused the credentials of /home/ci/.kube/config (403 Forbidden)');
    expect(forbidden.details).toContain('server: token ***: deployments.apps is forbidden: User "ci" cannot patch resource "deployments"');
    expect(forbidden.hint).toBe(
      'The credentials are valid but may not do this: grant the user RBAC permission to apply these objects, or renew the kubeconfig if its role was narrowed.',
    );
  });

  it('reads a 401 without a body, as the typed APIs throw it', () => {
    const failure = apiFailure(
      { ...access, provider: 'in-cluster', source: 'the service account' },
      new ApiException(401, 'Unauthorized', undefined, {}),
      'read Deployment web in dev',
    );
    expect(failure.specific).toBe('the cluster refused the credentials of the service account (401 Unauthorized)');
    expect(failure.hint).toContain('service account token was refused');
  });
});
