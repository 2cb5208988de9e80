import type { ZodError } from 'zod';
import { basename } from 'node:path';
import { Failure } from '../feedback/failure.ts';
import { findConfigFile, readRawConfig } from './read.ts';
import { configSchema, type Config } from './schema.ts';

/** Finds and loads the project's configuration, validated, with defaults filled in (see readRawConfig). */
export async function loadConfig(repoDir: string, opts: { cacheDir?: string } = {}): Promise<{ config: Config; file: string }> {
  const file = findConfigFile(repoDir);
  return { config: validateConfig(await readRawConfig(file, opts.cacheDir), basename(file)), file };
}

/** Validates a raw configuration; every problem is reported with its path and what was expected. */
export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new Failure(`${source} is invalid (${result.error.issues.length} problem${result.error.issues.length === 1 ? '' : 's'})`, {
    details: describeIssues(result.error),
    hint: 'fix the fields named above; the schema is in Slipway\'s src/config/schema.ts',
  });
}

function describeIssues(error: ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') : '(root)';
    return `${path}: ${issue.message}`;
  });
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
