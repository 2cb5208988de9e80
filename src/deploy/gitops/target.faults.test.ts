import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { Redactor } from '../../shared/redactor.ts';
import { BareDeployRepository } from '../../test-support/deploy-repository.ts';
import { failureOf } from '../../test-support/failure-of.ts';
import { embarkReleaseOf } from '../../test-support/kube-fixtures.ts';
import { embarkConfig } from '../../test-support/manifest-fixtures.ts';
import { GitOpsTarget } from './target.ts';

/** A deploy repository that cannot be reached, credentials in its URL, and manifests a cluster would refuse. */
let dir: string;
let redactor: Redactor;
let lines: string[];
const release = embarkReleaseOf('1.2.0', '1');

function target(repository: string, services = embarkConfig().services, path = 'nonprod'): GitOpsTarget {
  const config = configSchema.parse({
    project: 'embark',
    services,
    environments: {
      nonprod: {
        namespace: 'embark-nonprod',
        host: 'nonprod.embark.test',
        gitops: { repository, path, syncTimeoutSeconds: 0.05 },
      },
    },
  });
  return new GitOpsTarget({
    environment: 'nonprod',
    config,
    repoDir: dir,
    scratchDir: join(dir, 'scratch'),
    addSecret: (secret) => redactor.add(secret),
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-gitops-faults-'));
  redactor = new Redactor();
  lines = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GitOps deploys that cannot happen', () => {
  it('keeps the credentials of an unreachable remote out of the feedback, the log and the disk', async () => {
    const token = 'ghs_deploytoken0123456789abcdefXYZ';
    const port = await closedPort();
    const remote = `https://x-access-token:${token}@127.0.0.1:${port}/acme/embark-deploy.git`;
    const failure = await failureOf(target(remote).deploy({ release, runId: 1, log: (line) => void lines.push(line) }));
    expect(failure.specific).toMatch(new RegExp(`^cannot reach https://\\*\\*\\*@127\\.0\\.0\\.1:${port}/acme/embark-deploy\\.git: `));
    expect(failure.details).toEqual([`deploy repository: https://***@127.0.0.1:${port}/acme/embark-deploy.git`]);
    expect(failure.hint).toContain('that its credentials may push (gitops.repository in the configuration)');
    for (const text of [JSON.stringify(failure), failure.message, lines.join('\n')]) expect(text).not.toContain(token);
    // The token was handed to the run's redactor as soon as the target was made.
    expect(redactor.redact(`pushing with ${token}`)).toBe('pushing with ***');
    // The checkout that held the URL in its .git/config is gone.
    expect(await readdir(join(dir, 'scratch'))).toEqual([]);
  });

  it('names a deploy repository path that does not exist', async () => {
    const failure = await failureOf(target('../no-such-deploy.git').deploy({ release, runId: 1, log: () => undefined }));
    expect(failure.specific).toMatch(
      /^cannot reach \.\.\/no-such-deploy\.git: .*(does not appear to be a git repository|Could not read from remote repository)/,
    );
  });

  it("says why the deploy repository refused a push, in the server's words", async () => {
    const deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
    await deployRepo.refusePushes('main is protected: changes must be made through a pull request');
    const failure = await failureOf(target('deploy.git').deploy({ release, runId: 1, log: () => undefined }));
    expect(failure.specific).toBe('cannot push to main of deploy.git: [remote rejected] (pre-receive hook declined)');
    expect(failure.logExcerpt.join('\n')).toContain('remote: main is protected: changes must be made through a pull request');
    expect(deployRepo.commitCount('main')).toBe(1);
  });

  it('commits nothing a cluster would refuse: invalid manifests fail before any push', async () => {
    const deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
    const before = deployRepo.head('main');
    const services = embarkConfig().services;
    const broken = { ...services, backend: { ...services.backend, resources: { cpu: 'lots', memory: '256Mi' } } };
    const failure = await failureOf(target('deploy.git', broken).deploy({ release, runId: 1, log: () => undefined }));
    expect(failure.specific).toContain('resources');
    expect(failure.specific).toContain('Deployment/embark-backend');
    expect(deployRepo.head('main')).toBe(before);
    expect(deployRepo.branches()).toEqual(['main']);
  });

  it('never writes through a symbolic link the deploy repository holds on the way to its path', async () => {
    const outside = join(dir, 'outside');
    await mkdir(join(outside, 'nonprod'), { recursive: true });
    await writeFile(join(outside, 'nonprod', 'keep.txt'), 'not the deploy repository\n');
    const deployRepo = BareDeployRepository.create(join(dir, 'deploy.git'));
    // `clusters` -> the directory outside: a deploy to clusters/nonprod would replace outside/nonprod.
    const link = deployRepo.git(['hash-object', '-w', '--stdin'], outside);
    const tree = deployRepo.git(['mktree'], `120000 blob ${link}\tclusters\n`);
    const commit = deployRepo.git(['commit-tree', tree, '-p', deployRepo.head('main')!, '-m', 'a link']);
    deployRepo.git(['update-ref', 'refs/heads/main', commit]);
    const failure = await failureOf(
      target(join(dir, 'deploy.git'), embarkConfig().services, 'clusters/nonprod').deploy({ release, runId: 1, log: () => undefined }),
    );
    expect(failure.specific).toBe(`clusters/nonprod in ${join(dir, 'deploy.git')} goes through the symbolic link clusters`);
    expect(failure.hint).toContain('replace the link clusters');
    expect(await readdir(join(outside, 'nonprod'))).toEqual(['keep.txt']);
    expect(deployRepo.head('main')).toBe(commit);
  });
});
