import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { embarkConfig, embarkRelease } from '../../../test-support/manifest-fixtures.ts';
import { renderManifests } from './render.ts';
import { writeManifests } from './write.ts';

describe('writeManifests', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-k8s-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes one YAML per object in apply order and a kustomization listing them', async () => {
    const objects = renderManifests(embarkConfig(), 'dev', embarkRelease());
    const outDir = join(root, 'dev');
    const written = await writeManifests(objects, outDir);
    expect(written.map((path) => path.slice(outDir.length + 1))).toEqual([
      'namespace-embark-dev.yaml',
      'serviceaccount-embark-backend.yaml',
      'serviceaccount-embark-frontend.yaml',
      'configmap-embark-release.yaml',
      'service-embark-backend.yaml',
      'service-embark-frontend.yaml',
      'deployment-embark-backend.yaml',
      'deployment-embark-frontend.yaml',
      'poddisruptionbudget-embark-backend.yaml',
      'poddisruptionbudget-embark-frontend.yaml',
      'horizontalpodautoscaler-embark-backend.yaml',
      'horizontalpodautoscaler-embark-frontend.yaml',
      'networkpolicy-embark-backend.yaml',
      'networkpolicy-embark-frontend.yaml',
      'ingress-embark.yaml',
      'kustomization.yaml',
    ]);
    const kustomization = parse(await readFile(join(outDir, 'kustomization.yaml'), 'utf8'));
    expect(kustomization).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'embark-dev',
      resources: written.slice(0, -1).map((path) => path.slice(outDir.length + 1)),
    });
    const deploymentYaml = await readFile(join(outDir, 'deployment-embark-backend.yaml'), 'utf8');
    expect(parse(deploymentYaml)).toEqual(objects.find((o) => o.kind === 'Deployment'));
    // kubectl reads YAML 1.1, where a bare `on` is a boolean; no anchors either.
    expect(deploymentYaml).toContain('value: "on"');
    expect(deploymentYaml).not.toMatch(/[&*]a\d/);
  });

  it('replaces a previous render entirely and writes byte-identical files for the same input', async () => {
    const outDir = join(root, 'dev');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'deployment-embark-old.yaml'), 'stale');
    const objects = renderManifests(embarkConfig(), 'dev', embarkRelease());
    await writeManifests(objects, outDir);
    const first = await readFile(join(outDir, 'deployment-embark-backend.yaml'), 'utf8');
    await writeManifests(objects, outDir);
    expect(await readFile(join(outDir, 'deployment-embark-backend.yaml'), 'utf8')).toBe(first);
    expect(await readdir(outDir)).not.toContain('deployment-embark-old.yaml');
    expect((await readdir(root)).filter((name) => name.includes('staging'))).toEqual([]);
  });
});
