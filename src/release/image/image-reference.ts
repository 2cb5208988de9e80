import { Failure } from '../../shared/feedback/failure.ts';

export interface ImageReference {
  /** The registry host as written, e.g. "127.0.0.1:5000", "ghcr.io"; "docker.io" when none is. */
  registry: string;
  /** The repository inside the registry, e.g. "base/node" ("library/node" on Docker Hub). */
  repository: string;
  tag?: string;
  /** "sha256:…" when the reference pins one; it wins over the tag. */
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

function invalid(reference: string, why: string): Failure {
  return new Failure(`the base image reference "${reference}" is not valid: ${why}`, {
    hint: 'write it as registry/repository:tag or registry/repository@sha256:<digest>, e.g. ghcr.io/acme/node-base:20',
  });
}

/**
 * Parses a Docker-style image reference. The first path component is the registry when it looks
 * like a host (has a dot or a port, or is localhost); otherwise the image is on Docker Hub.
 */
export function parseImageReference(reference: string): ImageReference {
  const [name, digest, ...extra] = reference.split('@');
  if (extra.length > 0) throw invalid(reference, 'more than one "@"');
  if (digest !== undefined && !DIGEST.test(digest)) throw invalid(reference, `"${digest}" is not a sha256 digest`);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const path = colon > slash ? name.slice(0, colon) : name;
  if (tag !== undefined && !TAG.test(tag)) throw invalid(reference, `"${tag}" is not a valid tag`);
  const [first, ...rest] = path.split('/');
  const hasHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? first : 'docker.io';
  let repository = hasHost ? rest.join('/') : path;
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  if (!REPOSITORY.test(repository))
    throw invalid(reference, `"${repository}" is not a valid repository name (lower-case letters, digits and separators)`);
  if (tag === undefined && digest === undefined)
    throw invalid(reference, 'it names neither a tag nor a digest; pin one so builds are reproducible');
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The reference without tag or digest: what `org.opencontainers.image.base.name` records. */
export function imageName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/**
 * The distribution API's base URL for a registry host: plain HTTP on loopback (the local
 * registry), HTTPS elsewhere; Docker Hub's API lives at registry-1.docker.io.
 */
export function registryUrlOf(registry: string): string {
  if (registry === 'docker.io') return 'https://registry-1.docker.io';
  const host = registry.replace(/:\d+$/, '');
  return `${host === 'localhost' || host === '127.0.0.1' || host === '[::1]' ? 'http' : 'https'}://${registry}`;
}
