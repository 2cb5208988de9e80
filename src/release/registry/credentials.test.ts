import { describe, expect, it } from 'vitest';
import { registryCredentials } from './live-registry.ts';

describe('registry credentials', () => {
  it('on ghcr.io, uses Actions’ GITHUB_TOKEN as GITHUB_ACTOR when no other credential is given', () => {
    expect(registryCredentials('ghcr.io', { GITHUB_TOKEN: 'ghs_x', GITHUB_ACTOR: 'octocat' })).toEqual({
      username: 'octocat',
      password: 'ghs_x',
    });
    expect(registryCredentials('ghcr.io', { GITHUB_TOKEN: 'ghs_x' })).toEqual({ username: 'github-actions', password: 'ghs_x' });
  });

  it('prefers the configured credential, and never hands GITHUB_TOKEN to another registry', () => {
    const env = { GITHUB_TOKEN: 'ghs_x', SLIPWAY_REGISTRY_USERNAME: 'robot', SLIPWAY_REGISTRY_PASSWORD: 'pat' };
    expect(registryCredentials('ghcr.io', env)).toEqual({ username: 'robot', password: 'pat' });
    expect(registryCredentials('registry.example.com', { GITHUB_TOKEN: 'ghs_x' })).toEqual({ username: undefined, password: undefined });
  });
});
