/** How a blob got into the repository: linked from another repository of the registry, or sent. */
export type BlobPushOutcome = 'mounted' | 'uploaded';

/**
 * What the pipeline needs of a registry: the OCI distribution API's blob and manifest calls.
 * RegistryClient speaks it over HTTP; LayoutRegistry keeps it in OCI image layout directories.
 */
export interface RegistryApi {
  /** The registry part of image references, e.g. "127.0.0.1:5000", "ghcr.io", "oci-layout". */
  readonly host: string;
  hasBlob(repo: string, digest: string): Promise<boolean>;
  /** The first of `repos` holding the blob that we may read, or undefined: where to mount it from. */
  findBlob(repos: string[], digest: string): Promise<string | undefined>;
  /** Stores a blob, mounted from `mountFrom` (a repository of the same registry) when it can be. */
  pushBlob(repo: string, digest: string, path: string, size: number, opts?: { mountFrom?: string }): Promise<BlobPushOutcome>;
  putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string>;
  getManifest(repo: string, reference: string): Promise<{ body: Buffer; digest: string; mediaType: string }>;
  getBlob(repo: string, digest: string): Promise<NodeJS.ReadableStream>;
}
