import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Failure } from '../../shared/feedback/failure.ts';
import { embarkConfig, embarkRelease } from '../../test-support/manifest-fixtures.ts';
import { k8sCommand } from './k8s.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-k8s-render-'));
  const { project, services, environments } = embarkConfig();
  await writeFile(join(dir, 'slipway.config.json'), JSON.stringify({ project, services, environments }));
  await writeFile(join(dir, 'release.json'), JSON.stringify(embarkRelease()));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const render = (env: string, extra: { release?: string } = { release: join(dir, 'release.json') }) =>
  k8sCommand({ args: ['render'], env, out: join(dir, 'out', env), repo: dir, home: join(dir, 'home'), ...extra });

describe('slipway k8s render', () => {
  it("writes an environment's validated manifests with a kustomization, every image pinned by digest", async () => {
    expect(await render('prod')).toBe(0);
    const out = join(dir, 'out', 'prod');
    const files = (await readdir(out)).sort();
    const kustomization = parse(await readFile(join(out, 'kustomization.yaml'), 'utf8')) as { namespace?: string; resources: string[] };
    expect(kustomization.resources.sort()).toEqual(files.filter((file) => file !== 'kustomization.yaml'));
    const deployment = parse(await readFile(join(out, 'deployment-embark-backend.yaml'), 'utf8')) as {
      metadata: { namespace: string };
      spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
    };
    expect(deployment.metadata.namespace).toBe('embark-prod');
    expect(deployment.spec.template.spec.containers[0].image).toBe(embarkRelease().images.backend.reference);
    for (const file of files) expect(await readFile(join(out, file), 'utf8')).not.toMatch(/image: [^@\s]+:[^@\s]+$/m);
  });

  it('renders each environment with its own namespace and host', async () => {
    await render('dev');
    const ingress = await readFile(join(dir, 'out', 'dev', 'ingress-embark.yaml'), 'utf8');
    expect(ingress).toContain('host: dev.embark.localhost');
    expect(ingress).toContain('namespace: embark-dev');
  });

  it('says what to pass when there is no release, and names the declared environments', async () => {
    await expect(render('dev', {})).rejects.toThrow(/no release of embark in .* to render/);
    const unknown = await render('qa').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Failure);
    expect((unknown as Failure).details).toEqual(['declared environments: dev, prod']);
  });
});
