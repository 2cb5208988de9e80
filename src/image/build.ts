import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../feedback/failure.ts';
import { APP_USER, NODE_PATH, PATH_ENV, planBaseLayer } from './base-layer.ts';
import { resolveProductionDependencies, type PackageJson } from './dependency-closure.ts';
import { CONFIG_MEDIA_TYPE, imageConfig, imageManifest, ociArchitecture } from './image-config.ts';
import { completeAndSort, type LayerEntry } from './layer-entry.ts';
import { FileDigests, LayerCache, layerInputKey } from './layer-cache.ts';
import { writeLayerBlob, type LayerBlob } from './layer-writer.ts';
import { writeLayout } from './layout.ts';
import { describeImagePackages, type ImagePackage } from './image-packages.ts';
import { checkEntryFile, planAppLayer, planDependencyLayer } from './service-layers.ts';
import { sha256 } from '../util/hash.ts';

export interface ServiceImageSpec {
  /** Monorepo root with installed node_modules (npm workspaces, hoisted). */
  workspaceRoot: string;
  /** Absolute directory of the service package (has package.json and dist/). */
  packageDir: string;
  /** E.g. ['node', 'dist/server.js'], relative to the package directory (/app in the image). */
  command: string[];
  port: number;
  env: Record<string, string>;
  labels: { source?: string; revision: string; version: string };
  /** Keeps the base layer and every layer built before, so unchanged layers are reused. */
  cacheDir: string;
  /** Receives an OCI image layout (oci-layout, index.json, blobs/sha256/…). */
  outDir: string;
}

export interface BuiltImage {
  layoutDir: string;
  manifestDigest: string;
  configDigest: string;
  layers: { digest: string; size: number; diffId: string; mediaType: string; reused: boolean }[];
  /** Bytes of manifest, config and layers together. */
  size: number;
  /** Every npm package the image ships (the service at /app, its workspace and installed dependencies), for the SBOM. */
  packages: ImagePackage[];
}

const APP_DIR = 'app';

/** Archive timestamps: SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the epoch. */
function sourceDateEpoch(): Date {
  const raw = process.env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return new Date(0);
  if (!/^\d+$/.test(raw)) throw new Failure(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${raw}"`);
  return new Date(Number(raw) * 1000);
}

async function readServicePackage(packageDir: string): Promise<PackageJson & { name: string }> {
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as PackageJson;
  } catch (error) {
    throw new Failure(`cannot read the service package at ${packageDir}: ${(error as Error).message}`, {
      hint: "check the service's package in slipway.config.ts names a workspace package",
    });
  }
  return { ...pkg, name: pkg.name ?? packageDir };
}

/** Reuses the cached layer with the same inputs, or archives it and caches it. */
async function obtainLayer(cache: LayerCache, digests: FileDigests, entries: LayerEntry[], settings: { mtime: Date; gzipLevel: number }): Promise<{ blob: LayerBlob; reused: boolean }> {
  const key = await layerInputKey(entries, settings, digests);
  const cached = await cache.lookup(key);
  if (cached) return { blob: cached, reused: true };
  const blob = await writeLayerBlob(entries, cache.blobsDir, settings);
  await cache.store(key, blob);
  return { blob, reused: false };
}

/**
 * Builds a service image without a daemon: base (Node runtime), production dependencies and
 * app layers, written as an OCI image layout. The same inputs give the same digests.
 */
export async function buildServiceImage(spec: ServiceImageSpec): Promise<BuiltImage> {
  const pkg = await readServicePackage(spec.packageDir);
  const appEntries = await planAppLayer(spec.packageDir, pkg.name, APP_DIR);
  checkEntryFile(spec.command, appEntries, pkg.name, APP_DIR);
  const dependencies = await resolveProductionDependencies({ workspaceRoot: spec.workspaceRoot, packageDir: spec.packageDir, serviceName: pkg.name, appDir: APP_DIR });
  const dependencyEntries = await planDependencyLayer(dependencies, pkg.name);
  const packages = await describeImagePackages([{ name: pkg.name, sourceDir: spec.packageDir, imageDir: APP_DIR, workspace: true }, ...dependencies]);
  const baseEntries = await planBaseLayer(process.execPath);

  const mtime = sourceDateEpoch();
  const cache = new LayerCache(spec.cacheDir);
  // The runtime layer is large and compresses poorly; a fast gzip level keeps cold builds quick.
  const plans = [
    { entries: baseEntries, gzipLevel: 1, createdBy: `slipway base: node ${process.version}` },
    { entries: dependencyEntries, gzipLevel: 6, createdBy: `slipway dependencies: ${dependencies.length} packages` },
    { entries: appEntries, gzipLevel: 6, createdBy: `slipway app: ${pkg.name}` },
  ];
  const digests = await FileDigests.open(join(spec.cacheDir, 'file-digests.json'));
  const layers = await Promise.all(plans.map((plan) => obtainLayer(cache, digests, completeAndSort(plan.entries), { mtime, gzipLevel: plan.gzipLevel })));
  await digests.save();

  const labels: Record<string, string> = {
    'org.opencontainers.image.title': pkg.name,
    'org.opencontainers.image.revision': spec.labels.revision,
    'org.opencontainers.image.version': spec.labels.version,
    ...(spec.labels.source ? { 'org.opencontainers.image.source': spec.labels.source } : {}),
  };
  const env = { PATH: PATH_ENV, NODE_ENV: 'production', ...Object.fromEntries(Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : 1))), PORT: String(spec.port) };
  const config = Buffer.from(JSON.stringify(imageConfig({
    created: mtime,
    architecture: ociArchitecture(process.arch),
    entrypoint: spec.command.map((arg, index) => (index === 0 && arg === 'node' ? NODE_PATH : arg)),
    workingDir: `/${APP_DIR}`,
    user: `${APP_USER.uid}:${APP_USER.gid}`,
    env,
    port: spec.port,
    labels,
    layers: layers.map((layer, index) => ({ blob: layer.blob, createdBy: plans[index].createdBy })),
  })));
  const configDigest = `sha256:${sha256(config)}`;
  const manifest = Buffer.from(JSON.stringify(imageManifest({ mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length }, layers.map((layer) => layer.blob))));
  const manifestDigest = await writeLayout(spec.outDir, {
    manifest,
    config,
    layers: layers.map((layer) => ({ digest: layer.blob.digest, path: cache.blobPath(layer.blob.digest) })),
    refName: spec.labels.version,
  });
  return {
    layoutDir: spec.outDir,
    manifestDigest,
    configDigest,
    layers: layers.map(({ blob, reused }) => ({ ...blob, reused })),
    size: manifest.length + config.length + layers.reduce((total, layer) => total + layer.blob.size, 0),
    packages,
  };
}
