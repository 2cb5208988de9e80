import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const standin = fileURLToPath(new URL('./lightkeeper-standin.mjs', import.meta.url));

/** A temp directory with `lightkeeper` → the stand-in, and an environment that has it first on PATH. */
export async function standinOnPath(): Promise<{ dir: string; env: NodeJS.ProcessEnv; cleanup(): Promise<void> }> {
  // A checkout may lose the executable bit; the shebang needs it.
  await chmod(standin, 0o755);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-lightkeeper-'));
  await symlink(standin, join(dir, 'lightkeeper'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
  for (const name of Object.keys(env)) if (name.startsWith('LIGHTKEEPER_')) delete env[name];
  return { dir, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
