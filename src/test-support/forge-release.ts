import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { manifestAssetName, type ForgeRelease } from '../release/forge/forge.ts';
import { openForge } from '../release/forge/open-forge.ts';
import type { ReleaseManifest } from '../release/manifest.ts';
import { repositoryKey, type Home } from '../shared/home.ts';

function openRepositoryForge(home: Home, config: Config, repoDir: string) {
  return openForge({
    forge: config.forge,
    project: config.project,
    embeddedDir: join(home.forgeDir, repositoryKey(config.project, repoDir)),
    hooks: [],
    env: {},
    addSecret: () => undefined,
  });
}

/** A release on the repository's embedded forge, as it is now. */
export async function releaseOnForge(home: Home, config: Config, repoDir: string, tag: string): Promise<ForgeRelease | undefined> {
  const opened = await openRepositoryForge(home, config, repoDir);
  try {
    return await opened.forge.findRelease(tag);
  } finally {
    await opened.close();
  }
}

/** A draft release on the repository's embedded forge, as the release stage leaves it: the manifest as its asset. */
export async function createForgeRelease(home: Home, config: Config, repoDir: string, manifest: ReleaseManifest): Promise<void> {
  const opened = await openRepositoryForge(home, config, repoDir);
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
