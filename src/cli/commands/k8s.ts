import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { repositoryKey, resolveHome, type Home } from '../../shared/home.ts';
import { findingsFailure, renderManifests, validateManifests, writeManifests } from '../../deploy/kubernetes/manifests/index.ts';
import { openForge } from '../../release/forge/open-forge.ts';
import { readReleaseManifest } from '../../release/forge/forge.ts';
import type { ReleaseManifest } from '../../release/manifest.ts';
import type { Command } from '../command.ts';

/**
 * `slipway k8s render --env <env> [--release <release.json>] --out <dir>`: the environment's
 * manifests for a release (by default the repository's newest), validated, as plain YAML with a
 * kustomization.yaml, ready for `kubectl apply -k`.
 */
export const k8sCommand: Command = async (input) => {
  const [action] = input.args;
  if (action !== 'render')
    throw new Failure(`unknown k8s action "${action ?? ''}"`, {
      hint: 'slipway k8s render --env <env> [--release <release.json>] --out <dir>',
    });
  if (!input.env || !input.out)
    throw new Failure('slipway k8s render needs --env and --out', { hint: 'e.g. slipway k8s render --env nonprod --out k8s/nonprod' });
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  const release = input.release ? await readRelease(resolve(input.release)) : await newestRelease(home, config, repoDir);
  const objects = renderManifests(config, input.env, release);
  const findings = validateManifests(objects);
  if (findings.length) throw findingsFailure(findings);
  const outDir = resolve(input.out);
  const files = await writeManifests(objects, outDir);
  process.stdout.write(
    `${objects.length} objects for ${input.env} (${release.project} ${release.version}, images pinned by digest) in ${outDir}: ${files.length} files with kustomization.yaml\n`,
  );
  return 0;
};

async function readRelease(path: string): Promise<ReleaseManifest> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Failure(`no release manifest at ${path}`, {
      hint: 'pass the release.json of a run (`slipway show <run>` names its directory)',
    });
  });
  const manifest = JSON.parse(text) as Partial<ReleaseManifest>;
  if (manifest.schemaVersion !== 1 || !manifest.images)
    throw new Failure(`${path} is not a Slipway release manifest (schemaVersion 1 with images)`);
  return manifest as ReleaseManifest;
}

async function newestRelease(home: Home, config: Config, repoDir: string): Promise<ReleaseManifest> {
  const opened = await openForge({
    forge: config.forge,
    project: config.project,
    embeddedDir: join(home.forgeDir, repositoryKey(config.project, repoDir)),
    hooks: [],
    env: process.env,
    addSecret: () => undefined,
  });
  try {
    const [newest] = await opened.forge.listReleases();
    if (!newest) {
      throw new Failure(`no release of ${config.project} in ${opened.forge.repository} to render`, {
        hint: 'pass --release <release.json>, or run `slipway run` to make one',
      });
    }
    return await readReleaseManifest(opened.forge, newest);
  } finally {
    await opened.close();
  }
}
