/** The parts of the OCI image spec the runtime reads, parsed defensively from untrusted JSON. */

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  config: Descriptor;
  layers: Descriptor[];
}

/** The runtime-relevant part of an image config ("config" in the config blob). */
export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
}

const indexTypes = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

export function isIndex(json: unknown): boolean {
  const value = json as { mediaType?: string; manifests?: unknown };
  return indexTypes.includes(value?.mediaType ?? '') || (value?.mediaType === undefined && Array.isArray(value?.manifests));
}

function descriptor(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor>;
  if (typeof d?.digest !== 'string' || typeof d.mediaType !== 'string') throw new Error(`${what} is not a valid descriptor`);
  return { mediaType: d.mediaType, digest: d.digest, size: Number(d.size ?? 0), platform: d.platform, annotations: d.annotations };
}

export function parseIndex(json: unknown): { manifests: Descriptor[] } {
  const manifests = (json as { manifests?: unknown[] })?.manifests;
  if (!Array.isArray(manifests)) throw new Error('the index has no "manifests" list');
  return { manifests: manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
}

export function parseManifest(json: unknown): ImageManifest {
  const value = json as { config?: unknown; layers?: unknown[] };
  if (!Array.isArray(value?.layers)) throw new Error('the manifest has no "layers" list');
  return { config: descriptor(value.config, 'config'), layers: value.layers.map((l, i) => descriptor(l, `layers[${i}]`)) };
}

/** The index entry for this machine's platform (linux + the Node arch name mapped to OCI's). */
export function pickPlatform(index: { manifests: Descriptor[] }, arch: string): Descriptor | undefined {
  const ociArch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[arch] ?? arch;
  return (
    index.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === ociArch) ??
    (index.manifests.length === 1 ? index.manifests[0] : undefined)
  );
}

export function parseImageConfig(json: unknown): ImageConfig {
  const config = ((json as { config?: Record<string, unknown> })?.config ?? {}) as Record<string, unknown>;
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    entrypoint: strings(config.Entrypoint),
    cmd: strings(config.Cmd),
    env: strings(config.Env),
    workingDir: typeof config.WorkingDir === 'string' && config.WorkingDir ? config.WorkingDir : '/',
    user: typeof config.User === 'string' ? config.User : '',
  };
}

/** How a layer blob is compressed, from its media type; undefined when the runtime cannot unpack it. */
export function layerCompression(mediaType: string): 'gzip' | 'none' | undefined {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('.tar')) return 'none';
  return undefined;
}

/** "127.0.0.1:5000/embark/backend@sha256:…" → "embark/backend": the name feedback uses. */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0];
  const parts = withoutDigest.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  const path = parts.join('/');
  const colon = path.lastIndexOf(':');
  return colon > 0 ? path.slice(0, colon) : path;
}
