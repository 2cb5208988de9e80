import { describe, expect, it } from 'vitest';
import { failureFrom } from '../test-support/failure-of.ts';
import { gitopsSchema } from './gitops-schema.ts';
import { validateConfig } from './validate.ts';

const problems = (input: unknown) =>
  gitopsSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('gitopsSchema', () => {
  it('fills in the defaults and keeps what is given', () => {
    expect(gitopsSchema.parse({ repository: '../deploy.git', path: 'clusters/nonprod/embark' })).toEqual({
      repository: '../deploy.git',
      path: 'clusters/nonprod/embark',
      branch: 'main',
      applicationNamespace: 'argocd',
      syncTimeoutSeconds: 300,
    });
    const full = {
      repository: 'https://github.com/acme/embark-deploy.git',
      path: 'prod',
      branch: 'release/prod',
      application: 'embark-prod',
      applicationNamespace: 'argo-cd',
      syncTimeoutSeconds: 0.5,
      reviewRepository: 'acme/embark-deploy',
    };
    expect(gitopsSchema.parse(full)).toEqual(full);
    expect(gitopsSchema.parse({ repository: 'git@github.com:acme/deploy.git', path: 'a/b_c/d.e' }).repository).toBe(
      'git@github.com:acme/deploy.git',
    );
  });

  it('refuses a path that leaves the deploy repository or is not a plain directory, with one reason each', () => {
    const at = (path: string) => problems({ repository: 'deploy.git', path });
    expect(at('/srv/deploy')).toEqual(['path: a path relative to the deploy repository, not an absolute one']);
    expect(at('clusters/../../etc')).toEqual(['path: a relative path without "..", "." or empty segments, e.g. "clusters/nonprod/embark"']);
    expect(at('./nonprod')).toEqual(['path: a relative path without "..", "." or empty segments, e.g. "clusters/nonprod/embark"']);
    expect(at('nonprod/')).toEqual(['path: a relative path without "..", "." or empty segments, e.g. "clusters/nonprod/embark"']);
    expect(at('.git/hooks')).toEqual(['path: a path outside .git']);
    expect(at('clusters/non prod')).toEqual([
      'path: "non prod": each segment is letters, digits, ".", "_" and "-", starting with a letter, digit or "_"',
    ]);
    expect(at('-nonprod')).toEqual([
      'path: "-nonprod": each segment is letters, digits, ".", "_" and "-", starting with a letter, digit or "_"',
    ]);
  });

  it('refuses a remote git would read as an option, a bad branch, Application or namespace name, and a bad review repository', () => {
    expect(problems({ repository: '--upload-pack=touch /tmp/x', path: 'p' })).toEqual([
      'repository: a git remote must not start with "-" (git would read it as an option)',
      'repository: a git remote has no spaces or line breaks',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', branch: 'main..prod' })).toEqual([
      'branch: a branch name without "..", "//", or a trailing "/", "." or ".lock"',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', branch: '-f' })).toEqual([
      'branch: a branch name: letters, digits, ".", "_", "-" and "/", not starting with "-" or "."',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', application: 'Embark_Prod' })).toEqual([
      'application: a Kubernetes name: lower-case letters, digits, "-" and ".", starting and ending alphanumeric',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', applicationNamespace: 'argo.cd' })).toEqual([
      'applicationNamespace: a namespace name: lower-case letters, digits and "-", starting and ending alphanumeric',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', syncTimeoutSeconds: 0 })).toEqual([
      'syncTimeoutSeconds: Too small: expected number to be >0',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', reviewRepository: 'https://github.com/acme/deploy' })).toEqual([
      'reviewRepository: owner/name, e.g. "acme/embark-deploy"',
    ]);
    expect(problems({ repository: 'deploy.git', path: 'p', token: 'ghp_secret' })).toEqual([': Unrecognized key: "token"']);
  });

  it("is checked as part of an environment, the problem named by the field's full path", () => {
    const failure = failureFrom(() =>
      validateConfig(
        {
          project: 'embark',
          environments: { nonprod: { namespace: 'embark-nonprod', host: 'x.test', gitops: { repository: 'd.git', path: '../up' } } },
        },
        'slipway.config.ts',
      ),
    );
    expect(failure.specific).toBe('slipway.config.ts is invalid (1 problem)');
    expect(failure.details).toEqual([
      'environments.nonprod.gitops.path: a relative path without "..", "." or empty segments, e.g. "clusters/nonprod/embark"',
    ]);
  });
});
