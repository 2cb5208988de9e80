import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { collectTree, packageJsonAndDist, withoutNestedNodeModules } from './file-tree.ts';
import type { ResolvedPackage } from './dependency-closure.ts';
import type { LayerEntry } from './layer-entry.ts';

async function hasFiles(dir: string): Promise<boolean> {
  const children = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  return children !== undefined && children.length > 0;
}

/** The app layer: the service's package.json and its dist/ minus tests and source maps, at /app. */
export async function planAppLayer(packageDir: string, packageName: string, appDir: string): Promise<LayerEntry[]> {
  const entries = await collectTree(packageDir, appDir, packageJsonAndDist);
  if (!entries.some((entry) => entry.type === 'file' && entry.path.startsWith(`${appDir}/dist/`))) {
    throw new Failure(`${packageName} has no build output: ${join(packageDir, 'dist')} is missing or empty`, {
      hint: `run the package's build script before building the image (check tasks.build, or packages["${packageName}"].build, in the Slipway configuration, and that the script writes dist/)`,
    });
  }
  return entries;
}

/**
 * The dependencies layer: every installed package of the closure whole (minus nested
 * node_modules), and workspace packages as real directories with only package.json and dist/.
 */
export async function planDependencyLayer(packages: ResolvedPackage[], serviceName: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  for (const pkg of packages) {
    if (pkg.workspace && !(await hasFiles(join(pkg.sourceDir, 'dist')))) {
      throw new Failure(`workspace dependency ${pkg.name} of ${serviceName} has no build output (dist/)`, {
        hint: `build ${pkg.name} before the image (its build script must write dist/)`,
      });
    }
    entries.push(...(await collectTree(pkg.sourceDir, pkg.imageDir, pkg.workspace ? packageJsonAndDist : withoutNestedNodeModules)));
  }
  return entries;
}

/** The script a command runs: `node [flags] <entry>`, or the command itself when it is not node. */
export function commandEntryFile(command: string[]): string {
  const script = command[0] === 'node' ? command.slice(1).find((arg) => !arg.startsWith('-')) : command[0];
  return posix.normalize(script ?? '');
}

/** Fails when the command's entry file is not among the files the app layer ships. */
export function checkEntryFile(command: string[], appEntries: LayerEntry[], packageName: string, appDir: string): void {
  const entry = commandEntryFile(command);
  const shipped = appEntries.filter((e) => e.type === 'file').map((e) => e.path.slice(appDir.length + 1));
  if (!shipped.includes(entry)) {
    throw new Failure(`entry ${entry} is not in the build output of ${packageName}`, {
      details: [
        `command: ${command.join(' ')}`,
        `build output: ${shipped
          .filter((path) => path !== 'package.json')
          .slice(0, 10)
          .join(', ')}`,
      ],
      hint: `check the service's command in slipway.config.ts or the package's build script (it must write ${entry})`,
    });
  }
}
