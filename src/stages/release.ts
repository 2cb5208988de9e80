import { writeFileAtomic } from '../shared/fs.ts';
import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { gitResult } from '../shared/git.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestAssetName } from '../release/forge/forge.ts';
import type { ImageOutputs } from './image.ts';
import type { PushOutputs } from './push.ts';
import type { ScanOutputs } from './scan.ts';
import type { VersionOutputs } from './version.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';

export interface ReleaseOutputs {
  manifest: ReleaseManifest;
  releaseId: number;
  manifestPath: string;
  /** The release's page on the forge. */
  releaseUrl?: string;
}

/** The `repository_dispatch` event type that starts a release half (a workflow listens for it). */
export const releaseDispatchEvent = 'slipway-release';

/**
 * Stage 8: a draft release on the forge, with the release manifest every later stage uses and the
 * images' SBOMs and vulnerability scans; its webhook, a dispatch, or the workflow's next job starts the release half.
 */
export const release: PipelineStage<ReleaseOutputs> = {
  id: 'release',
  title: 'Release',
  phase: 'ci',
  needs: ['push', 'scan'],
  failure: 'Could not create release',
  async run(ctx) {
    const [{ pushVersion }, { imageSbom, sbomFileName, serializeSbom }] = await Promise.all([
      import('../release/push-version.ts'),
      import('../release/image/index.ts'),
    ]);
    const { plan, versionCommit } = ctx.output<VersionOutputs>('version');
    const pushed = ctx.output<PushOutputs>('push');
    const workspace = await discoverWorkspace(ctx.repoDir);
    const built = ctx.output<ImageOutputs>('image');
    const { scans } = ctx.output<ScanOutputs>('scan');
    const images = { ...pushed.images };
    for (const [service, image] of Object.entries(built.images)) {
      if (!images[service]) continue;
      const sbom = imageSbom({ name: service, version: built.versions[service], digest: image.manifestDigest }, image.packages);
      await writeFileAtomic(join(ctx.runDir, sbomFileName(service)), serializeSbom(sbom));
      images[service] = { ...images[service], sbom: sbomFileName(service), ...(scans[service] ? { scan: scans[service] } : {}) };
    }
    const manifest: ReleaseManifest = {
      schemaVersion: 1,
      project: ctx.config.project,
      commit: ctx.run.commit,
      version: plan.releaseVersion,
      tag: plan.tag,
      changelog: plan.changelog,
      createdAt: new Date().toISOString(),
      registry: pushed.registry,
      images,
      packages: Object.fromEntries(workspace.packages.map((pkg) => [pkg.name, pkg.version])),
    };
    const manifestPath = join(ctx.runDir, 'release.json');
    const manifestText = JSON.stringify(manifest, null, 2) + '\n';
    await writeFileAtomic(manifestPath, manifestText);
    // The tag marks the version commit; an existing tag on that commit (a resumed run) is fine.
    const tagged = await gitResult(ctx.repoDir, ['tag', '-f', plan.tag, versionCommit]);
    if (tagged.code !== 0)
      throw new Failure(`could not tag ${versionCommit.slice(0, 10)} as ${plan.tag}`, { logExcerpt: [tagged.stderr.trim()] });
    if (ctx.config.forge.kind === 'github') await pushVersion(ctx.repoDir, ctx.config.coverage.mainBranch, versionCommit, plan.tag);
    const forge = await ctx.adapters.forge();
    const sboms = await Promise.all(
      Object.values(images)
        .flatMap((image) => (image.sbom ? [image.sbom] : []))
        .map(async (name) => ({
          name,
          contentType: 'application/vnd.cyclonedx+json',
          data: await readFile(join(ctx.runDir, name)),
        })),
    );
    const created = await forge.createDraftRelease({
      tag: plan.tag,
      name: `${ctx.config.project} ${plan.tag}`,
      body: plan.changelog,
      commit: ctx.run.commit,
      prerelease: plan.prerelease,
      assets: [{ name: manifestAssetName, contentType: 'application/json', data: Buffer.from(manifestText) }, ...sboms],
    });
    if (ctx.config.forge.releaseHalf === 'dispatch')
      await forge.dispatch(releaseDispatchEvent, { tag: created.tag, commit: ctx.run.commit });
    const undelivered = await ctx.adapters.settleForge();
    if (undelivered.length > 0) {
      throw new Failure(
        `Release ${created.tag} is saved, but ${undelivered.length} webhook ${undelivered.length === 1 ? 'delivery' : 'deliveries'} failed`,
        {
          details: undelivered.map(
            (delivery) =>
              `${delivery.event}${delivery.action ? ` ${delivery.action}` : ''} to ${delivery.url}: ${delivery.lastError ?? 'not delivered'}`,
          ),
          hint: `fix the receiver, then \`slipway resume ${ctx.run.id}\`: the release is not made again`,
        },
      );
    }
    return {
      summary: `draft ${plan.prerelease ? 'prerelease' : 'release'} ${created.tag} in ${forge.repository} with ${Object.keys(manifest.images).length} images and their SBOMs`,
      outputs: { manifest, releaseId: created.id, manifestPath, releaseUrl: created.url },
    };
  },
};
