/**
 * buildah's build context, holding exactly the files Slipway puts in its dependencies and app
 * layers: the production closure (resolved as Slipway resolves it) and the package's
 * package.json and dist/ without tests and source maps.
 */
import { chmod, copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolveProductionDependencies } from '../../src/release/image/dependency-closure.ts';
import type { LayerEntry } from '../../src/release/image/layer-entry.ts';
import { planAppLayer, planDependencyLayer } from '../../src/release/image/service-layers.ts';
import { CONTEXT_APP_DIR, CONTEXT_DEPS_DIR } from './dockerfile.ts';

const IMAGE_APP_DIR = 'app';

/** Writes layer entries under `targetDir`, with `stripPrefix` taken off their image paths. */
async function materialise(entries: LayerEntry[], stripPrefix: string, targetDir: string): Promise<number> {
  let bytes = 0;
  for (const entry of entries) {
    if (entry.path !== stripPrefix && !entry.path.startsWith(`${stripPrefix}/`))
      throw new Error(`${entry.path} is not under ${stripPrefix}/`);
    const target = join(targetDir, entry.path.slice(stripPrefix.length));
    if (entry.type === 'directory') {
      await mkdir(target, { recursive: true });
    } else if (entry.type === 'symlink') {
      await mkdir(dirname(target), { recursive: true });
      await symlink(entry.target, target);
    } else {
      await mkdir(dirname(target), { recursive: true });
      if ('source' in entry) await copyFile(entry.source, target);
      else throw new Error(`generated file ${entry.path} in a service layer`);
      await chmod(target, entry.mode);
      bytes += entry.size;
    }
  }
  return bytes;
}

/** The dependency closure, once: the context's `node_modules`, as `COPY node_modules /app/node_modules` expects. */
export async function writeDependencyContext(opts: {
  workspaceRoot: string;
  packageDir: string;
  serviceName: string;
  contextDir: string;
}): Promise<{ bytes: number; packages: number }> {
  const dependencies = await resolveProductionDependencies({
    workspaceRoot: opts.workspaceRoot,
    packageDir: opts.packageDir,
    serviceName: opts.serviceName,
    appDir: IMAGE_APP_DIR,
  });
  const entries = await planDependencyLayer(dependencies, opts.serviceName);
  const bytes = await materialise(entries, `${IMAGE_APP_DIR}/node_modules`, join(opts.contextDir, CONTEXT_DEPS_DIR));
  return { bytes, packages: dependencies.length };
}

/** The service's own files, replaced on every build: the context's `app` (`COPY app /app`). */
export async function writeAppContext(opts: { packageDir: string; serviceName: string; contextDir: string }): Promise<void> {
  const target = join(opts.contextDir, CONTEXT_APP_DIR);
  await rm(target, { recursive: true, force: true });
  await materialise(await planAppLayer(opts.packageDir, opts.serviceName, IMAGE_APP_DIR), IMAGE_APP_DIR, target);
}
