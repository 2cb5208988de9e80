import { Failure } from '../../shared/feedback/failure.ts';
import { LAYER_MEDIA_TYPE } from './layer-writer.ts';

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const IMAGE_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);

/** Docker's layer types have OCI twins with the same bytes; ours is an OCI manifest, so they are renamed. */
const LAYER_TYPES: Record<string, string> = {
  [LAYER_MEDIA_TYPE]: LAYER_MEDIA_TYPE,
  'application/vnd.oci.image.layer.v1.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': LAYER_MEDIA_TYPE,
};

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface BaseLayer {
  digest: string;
  size: number;
  mediaType: string;
}

export function describePlatform(platform: Platform | undefined): string {
  if (!platform) return 'unknown platform';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** What a manifest body is: an index to choose from, or one image's config and layers. */
export function classifyManifest(
  body: Buffer,
  mediaType: string,
  reference: string,
): { kind: 'index'; manifests: Descriptor[] } | { kind: 'image'; config: Descriptor; layers: Descriptor[] } {
  const parsed = JSON.parse(body.toString('utf8')) as {
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const type = parsed.mediaType ?? mediaType;
  if (INDEX_TYPES.has(type) || (!parsed.config && Array.isArray(parsed.manifests)))
    return { kind: 'index', manifests: parsed.manifests ?? [] };
  if ((IMAGE_TYPES.has(type) || !type) && parsed.config && Array.isArray(parsed.layers))
    return { kind: 'image', config: parsed.config, layers: parsed.layers };
  throw new Failure(`the base image ${reference} has an unsupported manifest type "${type}"`, {
    hint: 'use a base image published as an OCI image manifest or a Docker v2 schema 2 manifest (or an index of them)',
  });
}

/** The index entry for `wanted` (its variant only compared when the entry names one); a Failure lists what there is. */
export function selectPlatform(manifests: Descriptor[], wanted: Platform, reference: string): Descriptor {
  const match = manifests.find(
    (entry) =>
      entry.platform?.os === wanted.os &&
      entry.platform.architecture === wanted.architecture &&
      (!wanted.variant || !entry.platform.variant || entry.platform.variant === wanted.variant),
  );
  if (match) return match;
  const offered = manifests.map((entry) => describePlatform(entry.platform));
  throw new Failure(`the base image ${reference} has no ${describePlatform(wanted)} image`, {
    details: [`it offers: ${offered.length > 0 ? offered.join(', ') : 'nothing'}`],
    hint: `pick a base image published for ${describePlatform(wanted)}, or build on a machine of a platform it offers`,
  });
}

/** The base's layers as our OCI manifest lists them: same digests, OCI media types. */
export function baseLayers(layers: Descriptor[], reference: string): BaseLayer[] {
  return layers.map((layer) => {
    const mediaType = LAYER_TYPES[layer.mediaType ?? ''];
    if (!mediaType) {
      throw new Failure(`the base image ${reference} has a layer of unsupported type "${layer.mediaType}"`, {
        details: [`layer ${layer.digest}`],
        hint: 'use a base image whose layers are plain tar, gzip or zstd (no foreign or non-distributable layers)',
      });
    }
    return { digest: layer.digest, size: layer.size, mediaType };
  });
}
