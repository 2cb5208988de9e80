import { Failure } from '../../shared/feedback/failure.ts';
import type { RegistryApi } from './registry-api.ts';

/**
 * Adds a tag to an image that is already in the registry, by copying its manifest: the promoted
 * image is byte for byte the verified one, and no layer moves.
 */
export async function promoteImage(opts: { client: RegistryApi; repository: string; digest: string; tag: string }): Promise<void> {
  const { client, repository, digest, tag } = opts;
  const manifest = await client.getManifest(repository, digest);
  if (manifest.digest !== digest) {
    throw new Failure(`registry returned a different manifest for ${repository}@${digest}: ${manifest.digest}`, {
      hint: 'the registry content is not what was released; do not promote it',
    });
  }
  const written = await client.putManifest(repository, tag, manifest.body, manifest.mediaType);
  if (written !== digest) throw new Failure(`tag ${repository}:${tag} points at ${written}, not ${digest}`);
}
