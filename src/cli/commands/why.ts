import { resolve } from 'node:path';
import { RunCaches } from '../../build/cache/index.ts';
import { loadConfig } from '../../config/load.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { dim } from '../../shared/feedback/sinks/terminal.ts';
import { resolveHome } from '../../shared/home.ts';
import { buildCaches } from '../../build/caches.ts';
import { dependentsOf, explainRebuild, hashBuildInputs, type MissExplanation, type PackageHash } from '../../build/workspace/index.ts';
import type { Command } from '../command.ts';

const out = (line: string) => process.stdout.write(line + '\n');

/** `slipway why <package>`: whether its build comes from cache, and if not which inputs changed. */
export const whyCommand: Command = async (input) => {
  const name = input.args[0];
  if (!name) throw new Failure('slipway why needs a package name', { hint: 'e.g. `slipway why @embark/shared`' });
  const repoDir = resolve(input.repo ?? process.cwd());
  const home = resolveHome(input.home, repoDir);
  const { config } = await loadConfig(repoDir, { cacheDir: home.cacheDir });
  const { workspace, hashes } = await hashBuildInputs(repoDir, config);
  if (!hashes.has(name)) {
    throw new Failure(`"${name}" is not a package of the workspace at ${repoDir}`, {
      details: [`packages: ${[...hashes.keys()].join(', ')}`],
    });
  }
  // Only the local cache is asked: `why` explains what this machine would do.
  const { outputs, lastInputs } = buildCaches(home, config, await RunCaches.connect(home.cacheDir), (message) =>
    process.stderr.write(`warning: ${message}\n`),
  );
  const task = config.tasks.build;
  const previous = new Map<string, PackageHash | undefined>();
  const cached = new Map<string, boolean>();
  for (const pkg of hashes.keys()) {
    previous.set(pkg, await lastInputs.read(task, pkg));
    cached.set(pkg, await outputs.has(`build-${hashes.get(pkg)!.hash}`));
  }
  const explanation = explainRebuild(
    name,
    hashes,
    (pkg) => previous.get(pkg),
    (pkg) => cached.get(pkg)!,
  );
  if (input.json) {
    out(JSON.stringify({ package: name, hash: hashes.get(name)!.hash, ...explanation }, null, 2));
    return 0;
  }
  for (const line of describe(explanation, hashes, home.root)) out(line);
  if (explanation.verdict !== 'hit') {
    const dependents = dependentsOf(workspace, [name]);
    if (dependents.length) out(dim(`rebuilding it rebuilds its dependents too: ${dependents.join(', ')}`));
  }
  return 0;
};

function describe(explanation: MissExplanation, hashes: ReadonlyMap<string, PackageHash>, homeRoot: string, depth = 0): string[] {
  const indent = '  '.repeat(depth);
  const hash = hashes.get(explanation.name)!.hash.slice(0, 12);
  if (explanation.verdict === 'hit') return [`${indent}${explanation.name}: cache hit (build ${hash} is cached; restored, not rebuilt)`];
  if (explanation.verdict === 'first')
    return [`${indent}${explanation.name}: cache miss (build ${hash}): no earlier build recorded in ${homeRoot}`];
  const header = `${indent}${explanation.name}: cache miss (build ${hash}), because:`;
  const reasons = explanation.reasons.flatMap((reason) => {
    const dep = explanation.because.find((inner) => reason === `dependency ${inner.name} changed`);
    return dep ? describe(dep, hashes, homeRoot, depth + 1) : [`${indent}  ${reason}`];
  });
  return [
    header,
    ...(reasons.length ? reasons : [`${indent}  its inputs match the last build, but that build is no longer in the cache (evicted)`]),
  ];
}
