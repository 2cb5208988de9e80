import { writeFileAtomic } from '../shared/fs.ts';
import type { PipelineStage } from './context.ts';
import { Failure } from '../shared/feedback/failure.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { gitResult } from '../shared/git.ts';
import { join } from 'node:path';
import { imageSbom, sbomFileName, serializeSbom } from '../release/image/index.ts';
import type { ImageOutputs } from './image.ts';
import type { PushOutputs } from './push.ts';
import type { VersionOutputs } from './version.ts';
import { discoverWorkspace } from '../build/workspace/index.ts';

export interface ReleaseOutputs {
  manifest: ReleaseManifest;
  releaseId: number;
  manifestPath: string;
}

/** Stage 8: a draft release in the forge whose manifest every later stage uses; its webhook starts the release half. */
export const release: PipelineStage<ReleaseOutputs> = {
  id: 'release',
  title: 'Release',
  phase: 'ci',
  needs: ['push'],
  failure: 'Could not create release',
  async run(ctx) {
    const { plan, versionCommit } = ctx.output<VersionOutputs>('version');
    const pushed = ctx.output<PushOutputs>('push');
    const workspace = await discoverWorkspace(ctx.repoDir);
    const built = ctx.output<ImageOutputs>('image');
    const images = { ...pushed.images };
    for (const [service, image] of Object.entries(built.images)) {
      if (!images[service]) continue;
      const sbom = imageSbom({ name: service, version: built.versions[service], digest: image.manifestDigest }, image.packages);
      await writeFileAtomic(join(ctx.runDir, sbomFileName(service)), serializeSbom(sbom));
      images[service] = { ...images[service], sbom: sbomFileName(service) };
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
    await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    // The tag marks the version commit; an existing tag on that commit (a resumed run) is fine.
    const tagged = await gitResult(ctx.repoDir, ['tag', '-f', plan.tag, versionCommit]);
    if (tagged.code !== 0)
      throw new Failure(`could not tag ${versionCommit.slice(0, 10)} as ${plan.tag}`, { logExcerpt: [tagged.stderr.trim()] });
    const forge = ctx.adapters.forge();
    const created = await forge.createDraftRelease({
      tag: plan.tag,
      name: `${ctx.config.project} ${plan.tag}`,
      body: plan.changelog,
      commit: ctx.run.commit,
      manifest,
    });
    // A resumed run finds the release already created; deliver its webhook if that never succeeded.
    await forge.redeliver(plan.tag);
    return {
      summary: `draft release ${created.tag} (#${created.id}) with ${Object.keys(manifest.images).length} images and their SBOMs`,
      outputs: { manifest, releaseId: created.id, manifestPath },
    };
  },
};
