import { join } from 'node:path';
import type { ResourceKind } from '../../../config/schema.ts';
import type { ProcessRef } from '../../../shared/process.ts';
import { startPostgres, stopDetachedPostgresFrom } from './postgres.ts';
import { startS3, stopDetachedS3From } from './s3.ts';
import type { RunningResource } from './types.ts';

export interface StartedResources {
  /** Every resource's connection variables, merged. */
  env: Record<string, string>;
  /** The started resources, e.g. to record their processes for a later stop. */
  resources: RunningResource[];
  stop(): Promise<void>;
}

/** Bucket integration tests and the local environment get unless told otherwise. */
export const defaultBucket = 'slipway';

/**
 * Starts the resources a service or test suite uses, each in `<dir>/<kind>`, in parallel. If one
 * fails, the ones that started are stopped before the failure is rethrown.
 */
export async function startResources(
  kinds: ResourceKind[],
  opts: { dir: string; detached?: boolean; bucket?: string },
): Promise<StartedResources> {
  const unique = [...new Set(kinds)];
  const results = await Promise.allSettled(
    unique.map((kind) =>
      kind === 'postgres'
        ? startPostgres({ dataDir: join(opts.dir, kind), detached: opts.detached })
        : startS3({ dataDir: join(opts.dir, kind), bucket: opts.bucket ?? defaultBucket, detached: opts.detached }),
    ),
  );
  const resources = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(resources.map((resource) => resource.stop()));
  };
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { env: Object.assign({}, ...resources.map((resource) => resource.env)), resources, stop };
}

/**
 * Stops a resource started with `detached: true` by an earlier process (e.g. `slipway env down`
 * after the CLI that started the local environment has exited), from what it recorded.
 */
export function stopDetachedResource(record: { kind: ResourceKind; process: ProcessRef; dataDir: string }): Promise<void> {
  return record.kind === 'postgres' ? stopDetachedPostgresFrom(record) : stopDetachedS3From(record);
}
