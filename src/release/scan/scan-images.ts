import type { SecurityConfig } from '../../config/security-schema.ts';
import { HostFailure } from '../../shared/feedback/host-failure.ts';
import type { ImagePackage } from '../image/image-packages.ts';
import { bulkAdvisoryUrl, lookUpAdvisories, type NpmRegistry } from './advisory-service.ts';
import {
  advisoryQuery,
  describeFinding,
  expiredExceptions,
  expiryWarning,
  judgeImage,
  scannedPackageCount,
  vulnerabilityFailure,
  type Finding,
  type ImageScan,
} from './plan.ts';

/**
 * The vulnerability gate over a release's images: their registry packages looked up in one
 * request to the registry's advisory service, then judged image by image. Throws the gate's
 * Failure when an advisory at or above `failOn` applies and no exception in date accepts it; an
 * unavailable service is a warning and "not scanned", or with `unreachable: 'fail'` a HostFailure.
 */
export async function scanImages(opts: {
  images: Record<string, ImagePackage[]>;
  security: SecurityConfig;
  /** The npm registry whose advisories apply (see npmRegistry). */
  registry: NpmRegistry;
  /** "YYYY-MM-DD" (UTC): exceptions whose last day is before it have expired. */
  today: string;
  log: (line: string) => void;
  warn: (message: string) => void;
}): Promise<Record<string, ImageScan>> {
  const { security } = opts;
  for (const exception of expiredExceptions(security, opts.today)) opts.warn(expiryWarning(exception));
  if (!('url' in opts.registry)) return unavailable(opts, undefined, opts.registry.reason);
  const advisoryService = bulkAdvisoryUrl(opts.registry.url);
  const lookup = await lookUpAdvisories(advisoryService, advisoryQuery(Object.values(opts.images).flat()));
  if (lookup.kind === 'unavailable') return unavailable(opts, advisoryService, lookup.reason);
  const scans: Record<string, ImageScan> = {};
  const blocking: Record<string, Finding[]> = {};
  for (const [service, packages] of Object.entries(opts.images)) {
    const verdict = judgeImage({ packages, answer: lookup.answer, security, today: opts.today });
    for (const finding of [...verdict.blocking, ...verdict.reported]) opts.log(`${service}: ${describeFinding(finding)}`);
    blocking[service] = verdict.blocking;
    scans[service] = {
      status: 'scanned',
      advisoryService,
      failOn: security.failOn,
      packages: scannedPackageCount(packages),
      findings: verdict.reported,
    };
  }
  if (security.failOn !== 'none' && Object.values(blocking).some((findings) => findings.length > 0))
    throw vulnerabilityFailure(blocking, security.failOn);
  return scans;
}

/** No advisories to judge: a warning and "not scanned", or the HostFailure the configuration asks for. */
function unavailable(
  opts: { images: Record<string, unknown>; security: SecurityConfig; warn: (message: string) => void },
  advisoryService: string | undefined,
  reason: string,
): Record<string, ImageScan> {
  if (opts.security.advisoryService.unreachable === 'fail') {
    throw new HostFailure(`the advisory service could not be used, so the images were not scanned`, {
      details: [reason, 'This is the advisory service or the network, not your change.'],
      hint: `check that this host reaches the npm registry (\`npm config get registry\` names it) and run again; or set security.advisoryService.unreachable to 'warn' to release images as not scanned`,
    });
  }
  opts.warn(`${reason}: the images are released as not scanned`);
  const notScanned: ImageScan = { status: 'not-scanned', ...(advisoryService ? { advisoryService } : {}), reason };
  return Object.fromEntries(Object.keys(opts.images).map((service) => [service, notScanned]));
}
