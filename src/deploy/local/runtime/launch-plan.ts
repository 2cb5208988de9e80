import { join, posix } from 'node:path';
import { Failure } from '../../../shared/feedback/failure.ts';
import type { ImageConfig } from './oci.ts';

/** namespaces: unshare + chroot as root; none: the rootfs's files run directly on the host. */
export type Isolation = 'namespaces' | 'none';

/** A command the supervisor runs; holds the service's environment, so it is never written to disk. */
export interface LaunchPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** One line for the deploy log: how the service runs. */
  description: string;
}

const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The image's Env, then the deployment's variables, then PORT: later ones win. */
export function serviceEnv(config: ImageConfig, env: Record<string, string>, port: number): Record<string, string> {
  const result: Record<string, string> = { PATH: defaultPath };
  for (const entry of config.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { ...result, ...env, PORT: String(port) };
}

function lookup(table: string, name: string): string[] | undefined {
  return table
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
}

/**
 * The image config's User ("65532", "65532:65532", "node", "node:node") as numeric ids, looked up
 * in the image's own /etc/passwd and /etc/group; undefined for root. An unknown name is a
 * Failure: silently running as root what the image meant to run unprivileged would be worse.
 */
export function resolveUser(service: string, spec: string, passwd: string, group: string): { uid: number; gid: number } | undefined {
  if (spec === '' || spec === 'root' || spec === '0' || spec === '0:0') return undefined;
  const [userPart, groupPart] = spec.split(':');
  const entry = /^\d+$/.test(userPart) ? undefined : lookup(passwd, userPart);
  const uid = /^\d+$/.test(userPart) ? Number(userPart) : Number(entry?.[2] ?? NaN);
  if (Number.isNaN(uid))
    throw new Failure(`${service}: the image runs as user "${userPart}", which its /etc/passwd does not define`, {
      hint: 'Use a numeric User (e.g. 65532:65532) in the image config, or add the user to the image.',
    });
  let gid = Number(entry?.[3] ?? uid);
  if (groupPart !== undefined) {
    gid = /^\d+$/.test(groupPart) ? Number(groupPart) : Number(lookup(group, groupPart)?.[2] ?? NaN);
    if (Number.isNaN(gid))
      throw new Failure(`${service}: the image runs as group "${groupPart}", which its /etc/group does not define`, {
        hint: 'Use a numeric group in the image config User.',
      });
  }
  return { uid, gid };
}

export interface LaunchInput {
  service: string;
  config: ImageConfig;
  rootfs: string;
  env: Record<string, string>;
  port: number;
  isolation: Isolation;
  user: { uid: number; gid: number } | undefined;
  /** Whether an absolute path inside the image exists (injected so planning stays pure). */
  existsInRootfs: (path: string) => boolean;
  /** The host's PATH, searched after the image's own directories without isolation. */
  hostPath: string;
}

/**
 * The pid namespace's init: a shell that runs the service as its child, passes SIGTERM (and SIGINT,
 * as SIGTERM) on to it, and exits with its status. The kernel drops a signal sent to a namespace's
 * pid 1 unless pid 1 handles it, and Node's own handler only re-raises it, so a service that was
 * pid 1 itself could be stopped by SIGKILL alone.
 */
export const namespaceInitScript =
  'trap \'kill -TERM "$child" 2>/dev/null\' TERM INT; "$@" & child=$!; ' +
  'while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || exit "$status"; done';

export function planLaunch(input: LaunchInput): LaunchPlan {
  const argv = [...input.config.entrypoint, ...input.config.cmd];
  if (argv.length === 0)
    throw new Failure(`${input.service}: the image has neither Entrypoint nor Cmd, so there is nothing to run`, {
      hint: 'Set the entrypoint when building the image.',
    });
  const env = serviceEnv(input.config, input.env, input.port);
  const workingDir = input.config.workingDir;
  if (input.isolation === 'namespaces') {
    // The outer unshare makes the namespaces and forks the init; the init starts the inner one,
    // whose --root/--wd/--setuid do what chroot --userspec does, plus the working directory, and
    // which mounts the namespace's /proc inside the root. The host network namespace is kept so
    // the service's loopback port is reachable.
    const ids = input.user ? ['--setgid', String(input.user.gid), '--setuid', String(input.user.uid)] : [];
    const chrooted = ['unshare', '--mount', '--mount-proc=/proc', `--root=${input.rootfs}`, `--wd=${workingDir}`, ...ids, ...argv];
    return {
      command: 'unshare',
      args: [
        '--mount',
        '--uts',
        '--ipc',
        '--pid',
        '--fork',
        '--kill-child',
        '--',
        '/bin/sh',
        '-c',
        namespaceInitScript,
        'slipway-init',
        ...chrooted,
      ],
      env,
      cwd: '/',
      description: `isolated with mount/uts/ipc/pid namespaces in a chroot, as ${input.user ? `${input.user.uid}:${input.user.gid}` : 'root'}`,
    };
  }
  const imageDirs = (env.PATH ?? defaultPath).split(':').filter((dir) => dir.startsWith('/'));
  const inRootfs = (path: string) => join(input.rootfs, path);
  const program = (name: string): string => {
    if (name.startsWith('/')) return input.existsInRootfs(name) ? inRootfs(name) : name;
    if (name.includes('/')) return inRootfs(posix.join(workingDir, name));
    const dir = imageDirs.find((d) => input.existsInRootfs(posix.join(d, name)));
    return dir ? inRootfs(posix.join(dir, name)) : name;
  };
  const args = argv.slice(1).map((arg) => (arg.startsWith('/') && input.existsInRootfs(arg) ? inRootfs(arg) : arg));
  return {
    command: program(argv[0]),
    args,
    env: { ...env, PATH: [...imageDirs.map(inRootfs), input.hostPath].join(':') },
    cwd: inRootfs(workingDir),
    description: "NOT isolated (namespaces need root): running the image's entrypoint from its unpacked filesystem directly",
  };
}
