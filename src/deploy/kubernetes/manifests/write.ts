import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { stagingPath, writeFileAtomic } from '../../../shared/fs.ts';
import { kindRank } from './order.ts';
import type { KubeObject } from './types.ts';

/** One file of a rendered environment: its name inside the directory and its YAML. */
export interface ManifestFile {
  name: string;
  text: string;
}

/**
 * The files of a rendered environment, pure: one YAML file per object in apply order, then a
 * kustomization.yaml listing them. What `writeManifests` writes and a GitOps commit carries.
 */
export function manifestFiles(objects: KubeObject[]): ManifestFile[] {
  const files = [...objects].sort(byApplyOrder).map((object) => ({ name: fileName(object), text: toYaml(object) }));
  const resources = files.map((file) => file.name);
  return [...files, { name: 'kustomization.yaml', text: toYaml(kustomization(objects, resources)) }];
}

/**
 * Writes the manifest files (see manifestFiles), replacing `outDir` as a whole (staged beside it,
 * then renamed) so it never holds a mix of two renders. Returns the paths written,
 * kustomization.yaml last.
 */
export async function writeManifests(objects: KubeObject[], outDir: string): Promise<string[]> {
  const files = manifestFiles(objects);
  const staging = stagingPath(outDir);
  try {
    for (const { name, text } of files) await writeFileAtomic(join(staging, name), text);
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return files.map((file) => join(outDir, file.name));
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
