import type { RegistryApi } from '../../release/registry/index.ts';
import type { PullSource } from './runtime/index.ts';

/** The runtime reads released images straight from the registry they were pushed to. */
export function registryImageSource(client: RegistryApi, repository: string): PullSource {
  return {
    getManifest: async (reference) => {
      const { body, digest } = await client.getManifest(repository, reference);
      return { body, digest };
    },
    getBlob: (digest) => client.getBlob(repository, digest),
  };
}
