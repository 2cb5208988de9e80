/** What the registry serves, read by an independent client (skopeo), and whether both images run alike. */
import { exec } from '../../src/shared/exec.ts';

export interface RunSettings {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  Labels?: Record<string, string>;
}

export interface InspectedImage {
  digest: string;
  layers: number;
  config: RunSettings;
}

async function skopeo(args: string[]): Promise<string> {
  const result = await exec('skopeo', args);
  if (result.code !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${result.output.trim()}`);
  return result.stdout;
}

/** `skopeo inspect` of a reference on a plain-HTTP registry: its digest, layer count and run settings. */
export async function inspectImage(reference: string): Promise<InspectedImage> {
  const image = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${reference}`])) as {
    Digest: string;
    Layers: string[];
  };
  const config = JSON.parse(await skopeo(['inspect', '--config', '--tls-verify=false', `docker://${reference}`])) as {
    config?: RunSettings;
  };
  return { digest: image.Digest, layers: image.Layers.length, config: config.config ?? {} };
}

/**
 * Where two images would run differently: user, environment, entrypoint and command, working
 * directory, ports, and the labels the first one sets (a tool may add labels of its own).
 */
export function runDifferences(expected: RunSettings, actual: RunSettings): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const differences: string[] = [];
  const compare = (name: string, a: unknown, b: unknown) => {
    if (!same(a, b)) differences.push(`${name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  };
  compare('User', expected.User, actual.User);
  compare('Env', [...(expected.Env ?? [])].sort(), [...(actual.Env ?? [])].sort());
  compare('Entrypoint', expected.Entrypoint, actual.Entrypoint);
  compare('Cmd', expected.Cmd ?? [], actual.Cmd ?? []);
  compare('WorkingDir', expected.WorkingDir, actual.WorkingDir);
  compare('ExposedPorts', Object.keys(expected.ExposedPorts ?? {}), Object.keys(actual.ExposedPorts ?? {}));
  for (const [label, value] of Object.entries(expected.Labels ?? {})) compare(`label ${label}`, value, actual.Labels?.[label]);
  return differences;
}
