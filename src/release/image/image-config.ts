import type { LayerBlob } from './layer-writer.ts';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
}

export interface OciImageConfig {
  created: string;
  architecture: string;
  os: string;
  config: {
    User: string;
    Env: string[];
    Entrypoint: string[];
    WorkingDir: string;
    ExposedPorts: Record<string, Record<string, never>>;
    Labels: Record<string, string>;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: { created: string; created_by: string }[];
}

/** OCI's name for the host's CPU architecture. */
export function ociArchitecture(nodeArch: string): string {
  return (
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ??
    nodeArch
  );
}

export interface ImageConfigInput {
  created: Date;
  architecture: string;
  entrypoint: string[];
  workingDir: string;
  user: string;
  env: Record<string, string>;
  port: number;
  labels: Record<string, string>;
  layers: { blob: LayerBlob; createdBy: string }[];
}

/** The image config; key order is fixed so the same input serialises to the same bytes. */
export function imageConfig(input: ImageConfigInput): OciImageConfig {
  const created = input.created.toISOString().replace('.000Z', 'Z');
  return {
    created,
    architecture: input.architecture,
    os: 'linux',
    config: {
      User: input.user,
      Env: Object.entries(input.env).map(([name, value]) => `${name}=${value}`),
      Entrypoint: input.entrypoint,
      WorkingDir: input.workingDir,
      ExposedPorts: { [`${input.port}/tcp`]: {} },
      Labels: Object.fromEntries(Object.entries(input.labels).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    rootfs: { type: 'layers', diff_ids: input.layers.map((layer) => layer.blob.diffId) },
    history: input.layers.map((layer) => ({ created, created_by: layer.createdBy })),
  };
}

export function imageManifest(config: OciDescriptor, layers: LayerBlob[]): OciManifest {
  return {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config,
    layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
  };
}
