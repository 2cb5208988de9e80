import { describe, expect, it } from 'vitest';
import { clusterSchema } from './cluster-schema.ts';

describe('clusterSchema', () => {
  it('fills in the Lightkeeper defaults', () => {
    expect(clusterSchema.parse({ provider: 'lightkeeper', cluster: 'nonprod' })).toEqual({
      provider: 'lightkeeper',
      cluster: 'nonprod',
      tokenEnv: 'LIGHTKEEPER_TOKEN',
      executable: 'lightkeeper',
      timeoutSeconds: 60,
    });
    expect(clusterSchema.parse({ provider: 'kubeconfig' })).toEqual({ provider: 'kubeconfig' });
    expect(clusterSchema.parse({ provider: 'in-cluster' })).toEqual({ provider: 'in-cluster' });
  });

  it('rejects an unknown provider, a missing cluster, a token in the file and a bad variable name', () => {
    const problems = (input: unknown) =>
      clusterSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ provider: 'eks' })).toEqual([
      "provider: Invalid discriminator value. Expected 'kubeconfig' | 'in-cluster' | 'lightkeeper'",
    ]);
    expect(problems({ provider: 'lightkeeper' })).toEqual(['cluster: Invalid input: expected string, received undefined']);
    expect(problems({ provider: 'lightkeeper', cluster: 'nonprod', token: 'lk_abc' })).toEqual([': Unrecognized key: "token"']);
    expect(problems({ provider: 'lightkeeper', cluster: 'nonprod', tokenEnv: 'lk-token' })).toEqual([
      'tokenEnv: an environment variable name (letters, digits and underscores)',
    ]);
  });
});
