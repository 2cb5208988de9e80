import type { ImageScan } from './scan/plan.ts';

/**
 * The release manifest: the one artifact every stage after the release uses. It names exactly
 * what was built and verified, so later stages deploy and promote by digest, never by rebuild.
 */
export interface ReleaseImage {
  /** Repository path in the registry, e.g. "embark/backend". */
  repository: string;
  /** Pull reference pinned by digest, e.g. "127.0.0.1:5000/embark/backend@sha256:…". */
  reference: string;
  digest: string;
  /** Total bytes of the manifest, config and layers. */
  size: number;
  tags: string[];
  /** The image's CycloneDX SBOM (its npm packages: name, version, license), beside the release manifest. */
  sbom?: string;
  /** The vulnerability gate's result: scanned (with the advisories accepted or below the gate) or not scanned, and why. */
  scan?: ImageScan;
}

export interface ReleaseManifest {
  schemaVersion: 1;
  project: string;
  commit: string;
  /** The release version, e.g. "1.5.0" or CalVer "26.11.1". */
  version: string;
  /** The git tag and release name, e.g. "v1.5.0". */
  tag: string;
  changelog: string;
  createdAt: string;
  /** Registry base the images live in, e.g. "127.0.0.1:5000" or "ghcr.io/acme". */
  registry: string;
  /** One image per service, keyed by service name. */
  images: Record<string, ReleaseImage>;
  /** Every workspace package's version in this release. */
  packages: Record<string, string>;
}
