import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceKind } from '../../config/schema.ts';
import { startPostgres, startS3, stopDetachedResource } from './resources/index.ts';
import { writeFileAtomic } from '../../shared/fs.ts';
import { isRunning, type ProcessRef } from '../../shared/process.ts';
import { readStateFile } from '../../shared/json-files.ts';

interface StoredResource {
  kind: ResourceKind;
  process: ProcessRef;
  dataDir: string;
  env: Record<string, string>;
}

/**
 * The backing services of a local environment (PostgreSQL, S3), long-lived like the environment
 * itself: started once, detached, and reused by later deploys while their process lives.
 * Their connection settings are the environment's secrets: kept in a file only root can read,
 * the local counterpart of a Kubernetes Secret, never in run state or logs.
 */
export async function ensureLocalResources(
  envDir: string,
  kinds: ResourceKind[],
  bucket: string,
): Promise<Partial<Record<ResourceKind, Record<string, string>>>> {
  const secretsFile = join(envDir, 'resources.secret.json');
  const stored = await readStoredResources(envDir);
  const live = stored.filter((resource) => isRunning(resource.process));
  for (const kind of kinds) {
    if (live.some((resource) => resource.kind === kind)) continue;
    const dataDir = join(envDir, 'resources', kind);
    await mkdir(dataDir, { recursive: true });
    const started =
      kind === 'postgres' ? await startPostgres({ dataDir, detached: true }) : await startS3({ dataDir, bucket, detached: true });
    live.push({ kind, process: started.process!, dataDir: started.dataDir, env: started.env });
  }
  await writeFileAtomic(secretsFile, JSON.stringify(live));
  await chmod(secretsFile, 0o600);
  return Object.fromEntries(live.filter((resource) => kinds.includes(resource.kind)).map((resource) => [resource.kind, resource.env]));
}

/** Stops the backing services of a local environment. */
export async function stopLocalResources(envDir: string): Promise<void> {
  const stored = await readStoredResources(envDir);
  for (const resource of stored) if (isRunning(resource.process)) await stopDetachedResource(resource);
  await writeFileAtomic(join(envDir, 'resources.secret.json'), '[]');
}

/** The backing services recorded for an environment; none when nothing was started there yet. */
async function readStoredResources(envDir: string): Promise<StoredResource[]> {
  const path = join(envDir, 'resources.secret.json');
  const remedy = `Stop the environment's PostgreSQL and S3 processes (their data is under ${join(envDir, 'resources')}), then remove the file.`;
  return (await readStateFile<StoredResource[]>(path, "the local environment's backing services", remedy)) ?? [];
}
