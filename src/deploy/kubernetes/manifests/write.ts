import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { stagingPath, writeFileAtomic } from '../../../shared/fs.ts';
import { kindRank } from './order.ts';
import type { KubeObject } from './types.ts';

/**
 * Writes one YAML file per object plus a kustomization.yaml listing them, replacing `outDir` as
 * a whole (staged beside it, then renamed) so it never holds a mix of two renders. Returns the
 * paths written, kustomization.yaml last.
 */
export async function writeManifests(objects: KubeObject[], outDir: string): Promise<string[]> {
  const files = [...objects].sort(byApplyOrder).map((object) => ({ name: fileName(object), object }));
  const staging = stagingPath(outDir);
  try {
    for (const { name, object } of files) await writeFileAtomic(join(staging, name), toYaml(object));
    await writeFileAtomic(
      join(staging, 'kustomization.yaml'),
      toYaml(
        kustomization(
          objects,
          files.map((f) => f.name),
        ),
      ),
    );
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return [...files.map((f) => join(outDir, f.name)), join(outDir, 'kustomization.yaml')];
}

/**
 * YAML 1.1 output: kubectl reads YAML 1.1, where an unquoted `yes`, `on` or `0755` is not a
 * string, so such strings must be quoted. No anchors: each object reads on its own.
 */
function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

function kustomization(objects: KubeObject[], resources: string[]): Record<string, unknown> {
  const namespace =
    objects.find((o) => o.kind === 'Namespace')?.metadata.name ?? objects.find((o) => o.metadata.namespace)?.metadata.namespace;
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    ...(namespace ? { namespace } : {}),
    resources,
  };
}

/** "deployment-embark-backend.yaml" */
function fileName(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

function byApplyOrder(a: KubeObject, b: KubeObject): number {
  return kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) || a.metadata.name.localeCompare(b.metadata.name);
}
