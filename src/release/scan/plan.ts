import semver from 'semver';
import { severities, type SecurityConfig, type SecurityException, type Severity } from '../../config/security-schema.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { counted } from '../../shared/plural.ts';
import type { ImagePackage } from '../image/image-packages.ts';

/** The severities the registry writes: npm's four, and "info", which never fails a gate. */
export type AdvisorySeverity = 'info' | Severity;

/** One advisory as the registry's bulk endpoint answers it (the fields the gate reads). */
export interface Advisory {
  /** npm's advisory id, e.g. 1097678. */
  id: number;
  /** Its page, e.g. "https://github.com/advisories/GHSA-xvch-5gv4-984h". */
  url: string;
  title: string;
  severity: AdvisorySeverity;
  /** The semver range of affected versions, e.g. ">=1.0.0 <1.2.6". */
  vulnerable_versions: string;
}

/** The bulk endpoint's answer: each package asked about, with the advisories of any of its versions asked about. */
export type AdvisoryAnswer = Record<string, Advisory[]>;

/** The bulk endpoint's request body: each registry package an image ships, with its installed versions. */
export type AdvisoryQuery = Record<string, string[]>;

/** An advisory that applies to an installed package version. */
export interface Finding {
  package: string;
  version: string;
  advisory: { id: number; title: string; url: string; severity: AdvisorySeverity };
  /** The first version outside the advisory's range above the installed one ("1.2.6", or ">4.17.20" for a "<=" bound); absent when none is. */
  fixedIn?: string;
  /** The exception that accepts it, while it has not expired. */
  accepted?: { reason: string; expires: string };
}

/** What an image's scan says: what stops its release, and what is only reported. */
export interface ScanVerdict {
  /** At or above the gate's severity and not accepted: these fail the release. */
  blocking: Finding[];
  /** Accepted by an exception, or below the gate's severity. */
  reported: Finding[];
}

/** An image's scan as the release manifest keeps it. */
export type ImageScan =
  | {
      status: 'scanned';
      /** The advisory endpoint asked. */
      advisoryService: string;
      failOn: SecurityConfig['failOn'];
      /** Registry packages checked (name and version pairs). */
      packages: number;
      /** Advisories that apply but did not stop the release: accepted, or below `failOn`. */
      findings: Finding[];
    }
  | {
      status: 'not-scanned';
      /** Absent when npm could not say which registry the repository uses. */ advisoryService?: string;
      reason: string;
    };

/** Packages of the image that come from a registry (not the monorepo's own), with a version to look up. */
function registryPackages(packages: ImagePackage[]): { name: string; version: string }[] {
  const seen = new Map<string, { name: string; version: string }>();
  for (const pkg of packages) {
    if (pkg.workspace || pkg.version === undefined) continue;
    seen.set(`${pkg.name}@${pkg.version}`, { name: pkg.name, version: pkg.version });
  }
  // By name, then version as text: the order is only for reading (a version need not parse).
  return [...seen.values()].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1));
}

/** The bulk request for the images' packages together: one request for every image of the release. */
export function advisoryQuery(packages: ImagePackage[]): AdvisoryQuery {
  const query: AdvisoryQuery = {};
  for (const { name, version } of registryPackages(packages)) (query[name] ??= []).push(version);
  return query;
}

/** How many name and version pairs an image's scan checks. */
export function scannedPackageCount(packages: ImagePackage[]): number {
  return registryPackages(packages).length;
}

const severityRank = (severity: AdvisorySeverity | 'none'): number =>
  severity === 'none' ? Infinity : severity === 'info' ? -1 : severities.indexOf(severity);

// Prereleases of an affected line are affected too.
const rangeOptions = { includePrerelease: true };

/**
 * The first version above `version` outside `range`: the upper bound of the comparator set that
 * holds it ("<1.2.6" gives "1.2.6", "<=4.17.20" gives ">4.17.20"), past any later set it falls into.
 */
export function fixedVersion(range: string, version: string): string | undefined {
  const parsed = new semver.Range(range, rangeOptions);
  let current = version;
  for (;;) {
    const holding = parsed.set.find((comparators) => comparators.every((comparator) => comparator.test(current)));
    if (!holding) return current === version ? undefined : current;
    const upper = holding
      .filter((comparator) => comparator.operator === '<' || comparator.operator === '<=')
      .sort((a, b) => semver.compare(a.semver, b.semver))[0];
    if (!upper) return undefined;
    if (upper.operator === '<=') return `>${upper.semver.version}`;
    current = upper.semver.version;
  }
}

/** The GHSA id in an advisory's URL, as the configuration reads it ("GHSA-xvch-5gv4-984h"). */
function ghsaOf(url: string): string | undefined {
  const id = /GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}/i.exec(url)?.[0];
  return id && `GHSA-${id.slice(5).toLowerCase()}`;
}

function covers(exception: SecurityException, finding: Finding): boolean {
  if (exception.package !== undefined && exception.package !== finding.package) return false;
  return typeof exception.advisory === 'number'
    ? exception.advisory === finding.advisory.id
    : exception.advisory === ghsaOf(finding.advisory.url);
}

/** Exceptions whose last day (UTC) is before `today` ("YYYY-MM-DD"): they no longer apply. */
export function expiredExceptions(security: SecurityConfig, today: string): SecurityException[] {
  return security.exceptions.filter((exception) => exception.expires < today);
}

/** The warning for an exception past its date, naming it. */
export function expiryWarning(exception: SecurityException): string {
  const what = `${exception.advisory}${exception.package ? ` (${exception.package})` : ''}`;
  return `the security exception for ${what} expired on ${exception.expires} and no longer applies: renew it with a new date, or upgrade (its reason was: ${exception.reason})`;
}

/**
 * Which advisories apply to an image's packages and whether they stop its release: at or above
 * `failOn` and not accepted by an exception that is still in date. Pure: `today` is "YYYY-MM-DD".
 */
export function judgeImage(opts: {
  packages: ImagePackage[];
  answer: AdvisoryAnswer;
  security: SecurityConfig;
  today: string;
}): ScanVerdict {
  const live = opts.security.exceptions.filter((exception) => exception.expires >= opts.today);
  const verdict: ScanVerdict = { blocking: [], reported: [] };
  for (const { name, version } of registryPackages(opts.packages)) {
    for (const advisory of opts.answer[name] ?? []) {
      if (!semver.satisfies(version, advisory.vulnerable_versions, rangeOptions)) continue;
      const fixedIn = fixedVersion(advisory.vulnerable_versions, version);
      const finding: Finding = {
        package: name,
        version,
        advisory: { id: advisory.id, title: advisory.title, url: advisory.url, severity: advisory.severity },
        ...(fixedIn ? { fixedIn } : {}),
      };
      const exception = live.find((candidate) => covers(candidate, finding));
      if (exception) verdict.reported.push({ ...finding, accepted: { reason: exception.reason, expires: exception.expires } });
      else if (severityRank(advisory.severity) >= severityRank(opts.security.failOn)) verdict.blocking.push(finding);
      else verdict.reported.push(finding);
    }
  }
  return verdict;
}

/** One line per finding: package, version, advisory (severity, title, id, URL) and the fixed version. */
export function describeFinding(finding: Finding): string {
  const { advisory } = finding;
  const fix = finding.fixedIn ? `fixed in ${finding.fixedIn}` : 'no fixed version';
  const accepted = finding.accepted ? `; accepted until ${finding.accepted.expires}: ${finding.accepted.reason}` : '';
  return `${finding.package}@${finding.version}: ${advisory.severity}: ${advisory.title} (${advisory.id}, ${advisory.url}); ${fix}${accepted}`;
}

/** The gate's Failure for the blocking findings of each image (images without any are left out). */
export function vulnerabilityFailure(blocking: Record<string, Finding[]>, failOn: Severity): Failure {
  const images = Object.entries(blocking).filter(([, findings]) => findings.length > 0);
  const all = images.flatMap(([, findings]) => findings);
  const packages = new Set(all.map((finding) => `${finding.package}@${finding.version}`));
  const example = all[0];
  const advisories = `${all.length} ${all.length === 1 ? 'advisory' : 'advisories'}`;
  const where = `the ${images.map(([service]) => service).join(', ')} ${images.length === 1 ? 'image' : 'images'}`;
  return new Failure(`${advisories} at or above ${failOn} in ${counted(packages.size, 'package')} of ${where}`, {
    details: images.flatMap(([service, findings]) => findings.map((finding) => `${service}: ${describeFinding(finding)}`)),
    hint:
      `upgrade each package to its fixed version (a direct dependency in its package.json, one reached through another package with an "overrides" entry), ` +
      `or accept an advisory for a while in the Slipway configuration: security.exceptions: [{ advisory: '${ghsaOf(example.advisory.url) ?? example.advisory.id}', package: '${example.package}', reason: '…', expires: 'YYYY-MM-DD' }]`,
  });
}
