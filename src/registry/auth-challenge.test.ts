import { describe, expect, it } from 'vitest';
import { parseChallenge, tokenUrl } from './auth-challenge.ts';

describe('parseChallenge', () => {
  it('reads a bearer challenge as ghcr.io sends it', () => {
    const challenge = parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/backend:pull,push"');
    expect(challenge).toEqual({ scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/backend:pull,push' } });
    expect(tokenUrl(challenge!, 'unused')).toBe('https://ghcr.io/token?service=ghcr.io&scope=repository%3Aacme%2Fbackend%3Apull%2Cpush');
  });

  it('reads a basic challenge and falls back to our scope when the challenge names none', () => {
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'basic', params: { realm: 'basic-realm' } });
    expect(tokenUrl(parseChallenge('Bearer realm="http://127.0.0.1:9/t"')!, 'repository:a/b:pull')).toBe('http://127.0.0.1:9/t?scope=repository%3Aa%2Fb%3Apull');
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});
