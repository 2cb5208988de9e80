import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { manifestAssetName } from '../release/forge/forge.ts';
import { openForge } from '../release/forge/open-forge.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { repositoryKey, type Home } from '../shared/home.ts';

/** A draft release on the repository's embedded forge, as the release stage leaves it: the manifest as its asset. */
export async function createForgeRelease(home: Home, config: Config, repoDir: string, manifest: ReleaseManifest): Promise<void> {
  const opened = await openForge({
    forge: config.forge,
    project: config.project,
    embeddedDir: join(home.forgeDir, repositoryKey(config.project, repoDir)),
    hooks: [],
    env: {},
    addSecret: () => undefined,
  });
  try {
    await opened.forge.createDraftRelease({
      tag: manifest.tag,
      name: `${config.project} ${manifest.tag}`,
      body: manifest.changelog,
      commit: manifest.commit,
      assets: [{ name: manifestAssetName, contentType: 'application/json', data: Buffer.from(JSON.stringify(manifest)) }],
    });
  } finally {
    await opened.close();
  }
}
