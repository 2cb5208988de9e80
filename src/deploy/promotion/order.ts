/** What release ordering looks at. */
export interface ReleaseOrderKey {
  tag: string;
  version: string;
  createdAt: string;
}

/**
 * Orders releases oldest first: by creation time, then by version (semver or CalVer), then by tag
 * so that two distinct releases are never equal and two processes always agree which is newer.
 */
export function compareReleases(a: ReleaseOrderKey, b: ReleaseOrderKey): number {
  return Math.sign(Date.parse(a.createdAt) - Date.parse(b.createdAt)) || compareVersions(a.version, b.version) || compareText(a.tag, b.tag);
}

export function isNewer(candidate: ReleaseOrderKey, than: ReleaseOrderKey): boolean {
  return compareReleases(candidate, than) > 0;
}

/**
 * Compares versions such as "1.10.0", "1.2.0-rc.1" or CalVer "26.11.2": dot-separated parts
 * numerically, a prerelease before its release (semver's precedence); build metadata is ignored.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = splitVersion(a);
  const [coreB, preB] = splitVersion(b);
  const core = compareIdentifiers(coreA, coreB, '0');
  if (core !== 0) return core;
  if (preA.length === 0 || preB.length === 0) return Math.sign(preB.length - preA.length);
  return compareIdentifiers(preA, preB);
}

/** Whether a version has a prerelease part: `1.6.0-rc.0`, CalVer `26.12.2-rc.1`, a snapshot. */
export function isPrerelease(version: string): boolean {
  return splitVersion(version)[1].length > 0;
}

function splitVersion(version: string): [string[], string[]] {
  const withoutBuild = version.replace(/^v/, '').split('+')[0];
  const dash = withoutBuild.indexOf('-');
  const core = dash === -1 ? withoutBuild : withoutBuild.slice(0, dash);
  const pre = dash === -1 ? '' : withoutBuild.slice(dash + 1);
  return [core.split('.'), pre === '' ? [] : pre.split('.')];
}

/** Part by part; a missing part is `missing` ("1.2" equals "1.2.0") or, when undefined, sorts first. */
function compareIdentifiers(a: string[], b: string[], missing?: string): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const left = a[i] ?? missing;
    const right = b[i] ?? missing;
    if (left === undefined || right === undefined) return left === undefined ? -1 : 1;
    const order = compareIdentifier(left, right);
    if (order !== 0) return order;
  }
  return 0;
}

/** Numbers numerically and before words, as semver ranks prerelease identifiers. */
function compareIdentifier(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return Math.sign(Number(a) - Number(b));
  if (numericA !== numericB) return numericA ? -1 : 1;
  return compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
