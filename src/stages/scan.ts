import type { PipelineStage } from './context.ts';
import type { ImageScan } from '../release/scan/index.ts';
import type { ImageOutputs } from './image.ts';

export interface ScanOutputs {
  /** Each image's scan, for the release manifest. */
  scans: Record<string, ImageScan>;
}

/**
 * The vulnerability gate, between building the images and pushing them: each image's production
 * dependencies (the closure its SBOM lists) against the npm registry's advisories, as `npm audit`
 * reads them. A vulnerable image is never pushed.
 */
export const scan: PipelineStage<ScanOutputs> = {
  id: 'scan',
  title: 'Vulnerability scan',
  phase: 'ci',
  needs: ['image'],
  failure: 'Image has known vulnerabilities',
  async run(ctx) {
    const { npmRegistry, scanImages } = await import('../release/scan/index.ts');
    const { images } = ctx.output<ImageOutputs>('image');
    const scans = await scanImages({
      images: Object.fromEntries(Object.entries(images).map(([service, built]) => [service, built.packages])),
      security: ctx.config.security,
      registry: await npmRegistry(ctx.repoDir),
      today: new Date().toISOString().slice(0, 10),
      log: ctx.log,
      warn: ctx.warn,
    });
    return { summary: scanSummary(scans), outputs: { scans } };
  },
};

/** "backend 212 packages, 1 advisory accepted; frontend 3 packages, none" or "not scanned: <why>". */
export function scanSummary(scans: Record<string, ImageScan>): string {
  const entries = Object.entries(scans);
  const unscanned = entries.find(([, result]) => result.status === 'not-scanned')?.[1];
  if (unscanned?.status === 'not-scanned') return `not scanned: ${unscanned.reason}`;
  return entries
    .map(([service, result]) => {
      if (result.status !== 'scanned') return service;
      const accepted = result.findings.filter((finding) => finding.accepted).length;
      const below = result.findings.length - accepted;
      const noted = [accepted ? `${accepted} accepted` : '', below ? `${below} below the gate` : ''].filter(Boolean);
      return `${service} ${result.packages} packages, ${noted.length ? `advisories: ${noted.join(', ')}` : 'no advisories'}`;
    })
    .join('; ');
}
