import { readPackageJson, type PackageJson, type ResolvedPackage } from './dependency-closure.ts';

/** One npm package an image ships: what an SBOM lists for it. */
export interface ImagePackage {
  name: string;
  /** Absent when the package.json has none (private workspace packages often omit it). */
  version?: string;
  /** As declared: an SPDX id or expression, free text ("SEE LICENSE IN …"), or "NOASSERTION". */
  license: string;
  /** Absolute directory inside the image, e.g. "/app/node_modules/left-pad". */
  path: string;
  /** A package of the monorepo itself (the service or a workspace dependency), not from a registry. */
  workspace: boolean;
}

/** The license fields of a package.json, including the legacy forms npm still reads. */
export interface LicenseFields {
  license?: unknown;
  licenses?: unknown;
}

function legacyLicenseType(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry.trim() || undefined;
  if (entry && typeof entry === 'object' && typeof (entry as { type?: unknown }).type === 'string')
    return (entry as { type: string }).type.trim() || undefined;
  return undefined;
}

/**
 * The declared license: `license` (a string, or the legacy `{ type }` object), else the legacy
 * `licenses` array, whose entries are alternatives (npm documents the array as "A OR B"), else
 * "NOASSERTION".
 */
export function declaredLicense(pkg: LicenseFields): string {
  const single = legacyLicenseType(pkg.license);
  if (single) return single;
  const types = (Array.isArray(pkg.licenses) ? pkg.licenses : [])
    .map(legacyLicenseType)
    .filter((type): type is string => type !== undefined);
  if (types.length === 1) return types[0];
  if (types.length > 1) return `(${types.join(' OR ')})`;
  return 'NOASSERTION';
}

/**
 * Reads name, version and license of each package the builder placed in the image. The name
 * comes from package.json, not the install directory, so an npm alias lists the real package.
 */
export async function describeImagePackages(packages: ResolvedPackage[]): Promise<ImagePackage[]> {
  return Promise.all(
    packages.map(async (pkg) => {
      const manifest = (await readPackageJson(pkg.sourceDir)) as PackageJson & LicenseFields;
      return {
        name: manifest.name ?? pkg.name,
        ...(typeof manifest.version === 'string' && manifest.version !== '' ? { version: manifest.version } : {}),
        license: declaredLicense(manifest),
        path: `/${pkg.imageDir}`,
        workspace: pkg.workspace,
      };
    }),
  );
}
