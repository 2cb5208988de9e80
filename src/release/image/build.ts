import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { configOnBase, basePath } from './base-config.ts';
import { pullBaseImage, type BaseImageSpec, type PulledBase } from './base-image.ts';
import { APP_USER, NODE_PATH, PATH_ENV, planBaseLayer } from './base-layer.ts';
import { resolveProductionDependencies, type PackageJson } from './dependency-closure.ts';
import { CONFIG_MEDIA_TYPE, imageConfig, imageManifest, ociArchitecture } from './image-config.ts';
import { completeAndSort, type LayerEntry } from './layer-entry.ts';
import { FileDigests, LayerCache, layerInputKey } from './layer-cache.ts';
import { writeLayerBlob, type LayerBlob } from './layer-writer.ts';
import { writeLayout } from './layout.ts';
import { describeImagePackages, type ImagePackage } from './image-packages.ts';
import { checkEntryFile, planAppLayer, planDependencyLayer } from './service-layers.ts';
import { sha256 } from '../../shared/hash.ts';

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
  /**
   * Build on an image pulled from a registry instead of the host's Node runtime. Its PATH must
   * lead to `node`: an entrypoint starting with `node` is kept as the bare name, which the
   * container runtime looks up in the image's PATH.
   */
  base?: BaseImageSpec;
}

export interface BuiltImage {
  layoutDir: string;
  manifestDigest: string;
  configDigest: string;
  layers: { digest: string; size: number; diffId: string; mediaType: string; reused: boolean }[];
  /** Bytes of manifest, config and layers together. */
  size: number;
  /** The pulled base image, when the spec named one. */
  base?: { name: string; digest: string; downloadedBlobs: number };
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
async function obtainLayer(
  cache: LayerCache,
  digests: FileDigests,
  entries: LayerEntry[],
  settings: { mtime: Date; gzipLevel: number },
): Promise<{ blob: LayerBlob; reused: boolean }> {
  const key = await layerInputKey(entries, settings, digests);
  const cached = await cache.lookup(key);
  if (cached) return { blob: cached, reused: true };
  const blob = await writeLayerBlob(entries, cache.blobsDir, settings);
  await cache.store(key, blob);
  return { blob, reused: false };
}

/** The base's layers as layer blobs in the cache: pulled from the registry, or archived from the host's Node runtime. */
async function obtainBaseLayers(
  spec: ServiceImageSpec,
  cache: LayerCache,
  digests: FileDigests,
  mtime: Date,
): Promise<{ layers: { blob: LayerBlob; reused: boolean; createdBy: string }[]; pulled?: PulledBase }> {
  const from = spec.base;
  if (from) {
    const pulled = await pullBaseImage(from, cache, { os: 'linux', architecture: ociArchitecture(process.arch) });
    basePath(pulled.config, from.reference);
    return { pulled, layers: pulled.layers.map(({ reused, ...blob }) => ({ blob, reused, createdBy: `base ${from.reference}` })) };
  }
  // The runtime layer is large and compresses poorly; a fast gzip level keeps cold builds quick.
  const layer = await obtainLayer(cache, digests, completeAndSort(await planBaseLayer(process.execPath)), { mtime, gzipLevel: 1 });
  return { layers: [{ ...layer, createdBy: `slipway base: node ${process.version}` }] };
}

/**
 * Builds a service image without a daemon: base (the host's Node runtime, or an image pulled
 * from a registry), production dependencies and app layers, written as an OCI image layout.
 * The same inputs (and the same base digest) give the same digests.
 */
export async function buildServiceImage(spec: ServiceImageSpec): Promise<BuiltImage> {
  const pkg = await readServicePackage(spec.packageDir);
  const appEntries = await planAppLayer(spec.packageDir, pkg.name, APP_DIR);
  checkEntryFile(spec.command, appEntries, pkg.name, APP_DIR);
  const dependencies = await resolveProductionDependencies({
    workspaceRoot: spec.workspaceRoot,
    packageDir: spec.packageDir,
    serviceName: pkg.name,
    appDir: APP_DIR,
  });
  const dependencyEntries = await planDependencyLayer(dependencies, pkg.name);
  const packages = await describeImagePackages([
    { name: pkg.name, sourceDir: spec.packageDir, imageDir: APP_DIR, workspace: true },
    ...dependencies,
  ]);

  const mtime = sourceDateEpoch();
  const cache = new LayerCache(spec.cacheDir);
  const plans = [
    { entries: dependencyEntries, createdBy: `slipway dependencies: ${dependencies.length} packages` },
    { entries: appEntries, createdBy: `slipway app: ${pkg.name}` },
  ];
  const digests = await FileDigests.open(join(spec.cacheDir, 'file-digests.json'));
  const [base, ...ownLayers] = await Promise.all([
    obtainBaseLayers(spec, cache, digests, mtime),
    ...plans.map(async (plan) => ({
      ...(await obtainLayer(cache, digests, completeAndSort(plan.entries), { mtime, gzipLevel: 6 })),
      createdBy: plan.createdBy,
    })),
  ] as const);
  await digests.save();
  const pulled = base.pulled;
  // A pulled base's layers keep their own history entries; only ours are added.
  const configLayers = pulled ? ownLayers : [...base.layers, ...ownLayers];
  const layers = [...base.layers, ...ownLayers];

  const labels: Record<string, string> = {
    'org.opencontainers.image.title': pkg.name,
    'org.opencontainers.image.revision': spec.labels.revision,
    'org.opencontainers.image.version': spec.labels.version,
    ...(spec.labels.source ? { 'org.opencontainers.image.source': spec.labels.source } : {}),
    ...(pulled ? { 'org.opencontainers.image.base.digest': pulled.digest, 'org.opencontainers.image.base.name': pulled.name } : {}),
  };
  // A pulled base brings its own PATH (kept by configOnBase); the host runtime's is ours to set.
  const env = {
    ...(pulled ? {} : { PATH: PATH_ENV }),
    NODE_ENV: 'production',
    ...Object.fromEntries(Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : 1))),
    PORT: String(spec.port),
  };
  const ownConfig = imageConfig({
    created: mtime,
    architecture: ociArchitecture(process.arch),
    entrypoint: pulled ? spec.command : spec.command.map((arg, index) => (index === 0 && arg === 'node' ? NODE_PATH : arg)),
    workingDir: `/${APP_DIR}`,
    user: spec.base?.user ?? `${APP_USER.uid}:${APP_USER.gid}`,
    env,
    port: spec.port,
    labels,
    layers: configLayers.map((layer) => ({ blob: layer.blob, createdBy: layer.createdBy })),
  });
  const config = Buffer.from(JSON.stringify(pulled ? configOnBase(pulled.config, ownConfig) : ownConfig));
  const configDigest = `sha256:${sha256(config)}`;
  const manifest = Buffer.from(
    JSON.stringify(
      imageManifest(
        { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
        layers.map((layer) => layer.blob),
      ),
    ),
  );
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
    ...(pulled ? { base: { name: pulled.name, digest: pulled.digest, downloadedBlobs: pulled.downloadedBlobs } } : {}),
    size: manifest.length + config.length + layers.reduce((total, layer) => total + layer.blob.size, 0),
    packages,
  };
}
