import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Failure } from '../shared/feedback/failure.ts';
import { sha256 } from '../shared/hash.ts';
import { findConfigFile, readRawConfig } from './read.ts';
import type { Config } from './schema.ts';
import { readMemo, writeMemo } from '../shared/json-files.ts';

/**
 * Finds and loads the project's configuration, validated, with defaults filled in (see
 * readRawConfig). With a cacheDir, a configuration validated before by these same sources is
 * taken as it was then: the schema library is loaded only when the configuration changed.
 */
export async function loadConfig(repoDir: string, opts: { cacheDir?: string } = {}): Promise<{ config: Config; file: string }> {
  const file = findConfigFile(repoDir);
  const raw = await readRawConfig(file, opts.cacheDir);
  const validated =
    opts.cacheDir && join(opts.cacheDir, 'config', `valid-${sha256(JSON.stringify([process.env.SLIPWAY_SOURCES_ID ?? '', raw]))}.json`);
  const known = validated && (await readMemo<Config>(validated));
  if (known) return { config: known, file };
  const { validateConfig } = await import('./validate.ts');
  const config = validateConfig(raw, basename(file));
  if (validated) {
    await mkdir(join(opts.cacheDir!, 'config'), { recursive: true });
    await writeMemo(validated, JSON.stringify(config));
  }
  return { config, file };
}

/** A release needs something to release and somewhere to deploy it. */
export function requireReleaseTargets(config: Config): void {
  const missing = [
    ...(Object.keys(config.services).length ? [] : ['services (what gets built into images and deployed)']),
    ...(Object.keys(config.environments).length ? [] : ['environments (where releases are deployed)']),
  ];
  if (missing.length) {
    throw new Failure(`slipway.config declares no ${missing.map((what) => what.split(' ')[0]).join(' and no ')}`, {
      details: missing.map((what) => `missing: ${what}`),
      hint: 'declare at least one service and one environment to release, or run `slipway ci` to build and test only',
    });
  }
}
