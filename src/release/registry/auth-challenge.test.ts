import { describe, expect, it } from 'vitest';
import { mergeScopes, parseChallenge, tokenUrl } from './auth-challenge.ts';

describe('parseChallenge', () => {
  it('reads a bearer challenge as ghcr.io sends it', () => {
    const challenge = parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/backend:pull,push"');
    expect(challenge).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/backend:pull,push' },
    });
    expect(tokenUrl(challenge!, ['repository:acme/backend:pull'])).toBe(
      'https://ghcr.io/token?service=ghcr.io&scope=repository%3Aacme%2Fbackend%3Apull%2Cpush',
    );
  });

  it('reads a basic challenge and falls back to our scope when the challenge names none', () => {
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'basic', params: { realm: 'basic-realm' } });
    expect(tokenUrl(parseChallenge('Bearer realm="http://127.0.0.1:9/t"')!, ['repository:a/b:pull'])).toBe(
      'http://127.0.0.1:9/t?scope=repository%3Aa%2Fb%3Apull',
    );
    expect(parseChallenge(undefined)).toBeUndefined();
  });

  it('asks for every repository of a mount, whether the challenge names them or we do', () => {
    // The Debian registry challenges a mount with both scopes, space-separated, actions in its own order.
    const challenge = parseChallenge(
      'Bearer realm="http://127.0.0.1:9/t",service="reg",scope="repository:embark/frontend:push,pull repository:embark/backend:pull"',
    )!;
    const url = new URL(tokenUrl(challenge, ['repository:embark/frontend:pull,push', 'repository:embark/backend:pull']));
    expect(url.searchParams.getAll('scope')).toEqual(['repository:embark/frontend:pull,push', 'repository:embark/backend:pull']);
    // A challenge that names only the target (as some hosted registries do) still gets the source added.
    const narrow = parseChallenge('Bearer realm="http://127.0.0.1:9/t",scope="repository:embark/frontend:pull"')!;
    expect(
      new URL(tokenUrl(narrow, ['repository:embark/frontend:pull,push', 'repository:embark/backend:pull'])).searchParams.getAll('scope'),
    ).toEqual(['repository:embark/frontend:pull,push', 'repository:embark/backend:pull']);
  });
});

describe('mergeScopes', () => {
  it('joins actions per resource, keeps registry names with a port, and passes odd scopes through', () => {
    expect(
      mergeScopes(['repository:a/b:push', 'repository:a/b:pull', 'repository:localhost:5000/c:pull', 'registry:catalog:*', 'odd']),
    ).toEqual(['repository:a/b:pull,push', 'repository:localhost:5000/c:pull', 'registry:catalog:*', 'odd']);
  });
});
