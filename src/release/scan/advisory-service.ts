import semver from 'semver';
import { z } from 'zod';
import { exec } from '../../shared/exec.ts';
import type { AdvisoryAnswer, AdvisoryQuery } from './plan.ts';

/** How long the advisory service has to answer before the scan counts it as unreachable. */
const ANSWER_TIMEOUT_MS = 30_000;

/** The npm registry a repository's packages come from, or why npm could not say. */
export type NpmRegistry = { url: string } | { reason: string };

/**
 * The registry npm uses in the repository, as npm itself reads it (the project's .npmrc, the
 * user's and the global one, npm_config_registry, else npm's default): its advisories are the
 * ones `npm audit` reads.
 */
export async function npmRegistry(repoDir: string): Promise<NpmRegistry> {
  const result = await exec('npm', ['config', 'get', 'registry'], { cwd: repoDir }).catch((error: Error) => ({
    code: 1,
    stdout: '',
    stderr: error.message,
  }));
  const registry = result.stdout.trim();
  if (result.code === 0 && /^https?:\/\//.test(registry)) return { url: registry };
  return {
    reason: `npm could not say which registry the repository uses (npm config get registry: ${(result.stderr.trim() || registry || `exit ${result.code}`).split('\n')[0]})`,
  };
}

/** The bulk advisory endpoint of a registry, as npm audit posts to it. */
export function bulkAdvisoryUrl(registry: string): string {
  return `${registry.replace(/\/+$/, '')}/-/npm/v1/security/advisories/bulk`;
}

const answerSchema = z.record(
  z.string(),
  z.array(
    z.looseObject({
      id: z.number().int(),
      url: z.string(),
      title: z.string(),
      severity: z.enum(['info', 'low', 'moderate', 'high', 'critical']),
      vulnerable_versions: z
        .string()
        .refine((range) => semver.validRange(range, { includePrerelease: true }) !== null, 'not a semver range'),
    }),
  ),
);

/** The service's answer, or why there is none (it could not be reached, refused, or answered something else). */
export type AdvisoryLookup = { kind: 'answered'; answer: AdvisoryAnswer } | { kind: 'unavailable'; reason: string };

/**
 * Asks the registry's bulk advisory endpoint about the packages, the way npm audit does: one
 * POST of `{ name: [versions] }`. Never throws for the service's sake: an unreachable or broken
 * service is an answer of its own, which the gate's configuration judges.
 */
export async function lookUpAdvisories(url: string, query: AdvisoryQuery): Promise<AdvisoryLookup> {
  if (Object.keys(query).length === 0) return { kind: 'answered', answer: {} };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(query),
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { kind: 'unavailable', reason: `could not reach ${url}: ${reason}` };
  }
  const body = await response.text().catch(() => '');
  if (!response.ok) return { kind: 'unavailable', reason: `${url} answered HTTP ${response.status} ${response.statusText}`.trim() };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unavailable', reason: `${url} answered something that is not JSON: ${body.slice(0, 80)}` };
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'unavailable', reason: `${url} answered without the advisory shape: ${issue.path.join('.')}: ${issue.message}` };
  }
  return { kind: 'answered', answer: parsed.data };
}
