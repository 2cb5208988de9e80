import { createHash } from 'node:crypto';
import type { ImagePackage } from './image-packages.ts';

/** The image an SBOM describes. */
export interface SbomSubject {
  /** The service, e.g. "backend". */
  name: string;
  /** The image's version, e.g. "1.4.0". */
  version: string;
  /** Manifest digest ("sha256:…"): ties the SBOM to exactly one image. */
  digest: string;
}

export type CycloneDxLicense = { license: { id: string } | { name: string } } | { expression: string };

export interface CycloneDxProperty {
  name: string;
  value: string;
}

export interface CycloneDxComponent {
  type: 'library' | 'container';
  'bom-ref': string;
  group?: string;
  name: string;
  version?: string;
  licenses?: CycloneDxLicense[];
  purl: string;
  evidence?: { occurrences: { location: string }[] };
  properties?: CycloneDxProperty[];
}

/** The subset of CycloneDX 1.5 JSON (https://cyclonedx.org/schema/bom-1.5.schema.json) this writes. */
export interface CycloneDxBom {
  $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json';
  bomFormat: 'CycloneDX';
  specVersion: '1.5';
  serialNumber: string;
  version: 1;
  metadata: {
    tools: { components: { type: 'application'; name: string }[] };
    component: CycloneDxComponent;
    properties: CycloneDxProperty[];
  };
  components: CycloneDxComponent[];
}

/** Marks components built from the monorepo itself rather than installed from a registry. */
export const WORKSPACE_PROPERTY = 'slipway:workspace';

/**
 * SPDX ids common on npm. The schema only accepts ids from the SPDX list in `license.id`, so a
 * declared value outside this set is written as `license.name` (still valid, never a wrong id).
 */
const SPDX_IDS = [
  '0BSD',
  'AFL-2.1',
  'AFL-3.0',
  'AGPL-3.0',
  'AGPL-3.0-only',
  'AGPL-3.0-or-later',
  'Apache-2.0',
  'Artistic-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'BSD-3-Clause-Clear',
  'BSL-1.0',
  'CC-BY-3.0',
  'CC-BY-4.0',
  'CC-BY-SA-4.0',
  'CC0-1.0',
  'CDDL-1.0',
  'EPL-1.0',
  'EPL-2.0',
  'GPL-2.0',
  'GPL-2.0-only',
  'GPL-2.0-or-later',
  'GPL-3.0',
  'GPL-3.0-only',
  'GPL-3.0-or-later',
  'ISC',
  'LGPL-2.1',
  'LGPL-2.1-only',
  'LGPL-2.1-or-later',
  'LGPL-3.0',
  'LGPL-3.0-only',
  'LGPL-3.0-or-later',
  'MIT',
  'MIT-0',
  'MPL-1.1',
  'MPL-2.0',
  'ODC-By-1.0',
  'OFL-1.1',
  'PSF-2.0',
  'Python-2.0',
  'Unicode-DFS-2016',
  'Unlicense',
  'WTFPL',
  'X11',
  'Zlib',
];
const SPDX_BY_LOWER_CASE = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]));

/** A declared license as CycloneDX writes it; none for NOASSERTION (absent means unknown). */
export function cycloneDxLicenses(declared: string): CycloneDxLicense[] | undefined {
  const license = declared.trim();
  if (license === '' || license === 'NOASSERTION') return undefined;
  if (license.startsWith('(') || /\s(AND|OR|WITH)\s/i.test(license)) return [{ expression: license }];
  const id = SPDX_BY_LOWER_CASE.get(license.toLowerCase());
  return [{ license: id ? { id } : { name: license } }];
}

/** Package URL of an npm package (purl-spec: scope as namespace, "@" encoded, names lower case). */
export function npmPurl(name: string, version?: string): string {
  const path = name.toLowerCase().split('/').map(encodeURIComponent).join('/');
  return `pkg:npm/${path}${version === undefined ? '' : `@${encodeURIComponent(version)}`}`;
}

function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/** One component per package identity; the same name@version installed twice lists both paths. */
function npmComponents(packages: ImagePackage[]): CycloneDxComponent[] {
  const byPurl = new Map<string, { pkg: ImagePackage; paths: string[] }>();
  for (const pkg of [...packages].sort(byKey((p) => p.path))) {
    const purl = npmPurl(pkg.name, pkg.version);
    const seen = byPurl.get(purl);
    if (seen) seen.paths.push(pkg.path);
    else byPurl.set(purl, { pkg, paths: [pkg.path] });
  }
  return [...byPurl.entries()].sort(byKey(([purl]) => purl)).map(([purl, { pkg, paths }]) => {
    const scoped = /^(@[^/]+)\/(.+)$/.exec(pkg.name);
    const licenses = cycloneDxLicenses(pkg.license);
    return {
      type: 'library',
      'bom-ref': purl,
      ...(scoped ? { group: scoped[1], name: scoped[2] } : { name: pkg.name }),
      ...(pkg.version !== undefined ? { version: pkg.version } : {}),
      ...(licenses ? { licenses } : {}),
      purl,
      evidence: { occurrences: paths.map((location) => ({ location })) },
      ...(pkg.workspace ? { properties: [{ name: WORKSPACE_PROPERTY, value: 'true' }] } : {}),
    };
  });
}

/** A name-based (version 5) UUID of the content, so the same SBOM always has the same serial number. */
function contentUuid(content: string): string {
  // RFC 4122's URL namespace; the name is the content's digest.
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const hash = createHash('sha1')
    .update(namespace)
    .update(`slipway-sbom:${createHash('sha256').update(content).digest('hex')}`)
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The CycloneDX 1.5 SBOM of an image's npm packages. Pure and reproducible: no timestamp, sorted
 * components, and a serial number derived from the content, so the same image and packages
 * give a byte-identical document (declared with the `cdx:reproducible` property).
 */
export function imageSbom(subject: SbomSubject, packages: ImagePackage[]): CycloneDxBom {
  const imagePurl = `pkg:oci/${encodeURIComponent(subject.name.toLowerCase())}@${encodeURIComponent(subject.digest)}?tag=${encodeURIComponent(subject.version)}`;
  const metadata: CycloneDxBom['metadata'] = {
    tools: { components: [{ type: 'application', name: 'slipway' }] },
    component: { type: 'container', 'bom-ref': imagePurl, name: subject.name, version: subject.version, purl: imagePurl },
    properties: [{ name: 'cdx:reproducible', value: 'true' }],
  };
  const components = npmComponents(packages);
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${contentUuid(JSON.stringify({ metadata, components }))}`,
    version: 1,
    metadata,
    components,
  };
}

/** The file's bytes: stable formatting, so equal SBOMs are equal files. */
export function serializeSbom(bom: CycloneDxBom): string {
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/** The file name beside release.json, e.g. "sbom-backend.cdx.json" (".cdx.json" is CycloneDX's recognised suffix). */
export function sbomFileName(service: string): string {
  return `sbom-${service}.cdx.json`;
}
