import { existsSync } from 'node:fs';
import { Failure } from '../shared/feedback/failure.ts';
import { exec } from '../shared/exec.ts';

export interface HostProgram {
  path: string;
  debianPackage: string;
  for: string;
}

/**
 * Host programs the embedded default needs, and the Debian packages that provide them. (The
 * Debian `docker-registry` is used when installed; without it images go to OCI image layouts.)
 */
export const demoPrograms: HostProgram[] = [{ path: '/usr/bin/chromium', debianPackage: 'chromium', for: 'browser and smoke tests' }];

/** What Slipway's own test suite also needs: the real registry, and skopeo to cross-check it. */
export const testPrograms: HostProgram[] = [
  ...demoPrograms,
  { path: '/usr/bin/docker-registry', debianPackage: 'docker-registry', for: 'the registry tests' },
  { path: '/usr/bin/skopeo', debianPackage: 'skopeo', for: 'cross-checking pushed images' },
];

/**
 * Makes sure the host programs are there. As root on Debian, installs the missing packages with
 * apt-get (saying so); anywhere else, says exactly what to install.
 */
export async function ensureHostPrograms(programs: HostProgram[], log: (line: string) => void): Promise<void> {
  const missing = programs.filter((program) => !existsSync(program.path));
  if (!missing.length) return;
  const packages = missing.map((program) => program.debianPackage);
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Failure(`missing ${missing.map((p) => `${p.path} (${p.for})`).join(', ')}`, {
      hint: `install them: sudo apt-get install -y ${packages.join(' ')}`,
    });
  }
  log(`installing Debian packages for the embedded default: ${packages.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await exec('apt-get', ['update', '-qq'], { env });
  const install = update.code === 0 ? await exec('apt-get', ['install', '-y', '-qq', ...packages], { env }) : update;
  if (install.code !== 0) {
    throw new Failure(`could not install ${packages.join(', ')} with apt-get`, {
      logExcerpt: install.output.trim().split('\n').slice(-10),
      hint: `install them yourself: apt-get install -y ${packages.join(' ')}`,
    });
  }
}
