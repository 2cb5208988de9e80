import { Failure } from '../../shared/feedback/failure.ts';
import type { OciImageConfig } from './image-config.ts';

/** A base image's config as published: the fields we read, and whatever else it carries (kept as is). */
export interface BaseImageConfig {
  architecture?: string;
  os?: string;
  config?: { Env?: string[]; ExposedPorts?: Record<string, object>; Labels?: Record<string, string> | null; [key: string]: unknown };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: { empty_layer?: boolean; [key: string]: unknown }[];
  [key: string]: unknown;
}

function envMap(env: string[]): Map<string, string> {
  return new Map(
    env.map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** The base's PATH, which the entrypoint's bare `node` is looked up in by the container runtime. */
export function basePath(base: BaseImageConfig, reference: string): string {
  const path = envMap(base.config?.Env ?? []).get('PATH');
  if (!path) {
    throw new Failure(`the base image ${reference} sets no PATH, so the entrypoint cannot find node`, {
      hint: 'use a Node base image (its config sets PATH to the directory holding node)',
    });
  }
  return path;
}

/** Checks the base's config lists one diff_id per layer of its manifest (else the image would be invalid). */
export function checkBaseRootfs(base: BaseImageConfig, layerCount: number, reference: string): string[] {
  const diffIds = base.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layerCount) {
    throw new Failure(
      `the base image ${reference} is inconsistent: its manifest has ${layerCount} layer(s) but its config lists ${diffIds.length} diff_id(s)`,
      {
        hint: 'the base image is damaged in the registry; pick another tag or republish it',
      },
    );
  }
  return diffIds;
}

/**
 * Our image config on top of the base's: the base's fields, Env (PATH included), ports, labels,
 * diff_ids and history are kept; ours override Entrypoint, User, WorkingDir and same-named Env
 * and labels, and come after the base's in Env, ports, diff_ids and history. The base's Cmd is
 * dropped: it would be passed to our entrypoint as arguments. Deterministic: the base's bytes fix
 * its key order, ours is fixed by imageConfig.
 */
export function configOnBase(base: BaseImageConfig, ours: OciImageConfig): Record<string, unknown> {
  const { Cmd: _cmd, ...baseRuntime } = base.config ?? {};
  const env = envMap(base.config?.Env ?? []);
  for (const [name, value] of envMap(ours.config.Env)) env.set(name, value);
  const labels = { ...(base.config?.Labels ?? {}), ...ours.config.Labels };
  return {
    ...base,
    created: ours.created,
    config: {
      ...baseRuntime,
      User: ours.config.User,
      Env: [...env].map(([name, value]) => `${name}=${value}`),
      Entrypoint: ours.config.Entrypoint,
      WorkingDir: ours.config.WorkingDir,
      ExposedPorts: { ...(base.config?.ExposedPorts ?? {}), ...ours.config.ExposedPorts },
      Labels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), ...ours.rootfs.diff_ids] },
    history: [...(base.history ?? []), ...ours.history],
  };
}
