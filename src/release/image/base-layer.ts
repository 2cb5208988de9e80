import { stat } from 'node:fs/promises';
import { exec } from '../../shared/exec.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import { fileMode, type LayerEntry } from './layer-entry.ts';

/** Where the base layer puts the Node runtime; the entrypoint's `node` maps here. */
export const NODE_PATH = '/usr/local/bin/node';
export const PATH_ENV = '/usr/local/bin:/usr/bin:/bin';
export const APP_USER = { name: 'app', uid: 65532, gid: 65532, home: '/home/app' };

/** Parses `ldd` output into the absolute paths of the libraries the loader would map. */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.push(match[1]);
  }
  return [...new Set(paths)];
}

async function sharedLibraries(binary: string): Promise<string[]> {
  const result = await exec('ldd', [binary]).catch((error: Error) => {
    throw new Failure(`cannot list the shared libraries of ${binary}: ${error.message}`, {
      hint: 'install ldd (Debian package libc-bin) on the build machine',
    });
  });
  if (result.code !== 0) {
    // A statically linked runtime needs no libraries; anything else is a real problem.
    if (/not a dynamic executable/.test(result.output)) return [];
    throw new Failure(`cannot list the shared libraries of ${binary}`, { logExcerpt: result.output.split('\n').slice(-10) });
  }
  const missing = result.output.split('\n').filter((line) => /not found/.test(line));
  if (missing.length > 0)
    throw new Failure(`the Node runtime ${binary} is missing shared libraries`, { details: missing.map((line) => line.trim()) });
  return parseLdd(result.output);
}

function text(path: string, content: string, mode = 0o644): LayerEntry {
  return { type: 'file', path, mode, content: Buffer.from(content) };
}

/**
 * The base layer: the host's Node binary and the libraries it loads (copied as regular files at
 * the paths ldd reports, so the ELF interpreter path resolves), a non-root user, and the empty
 * directories a container runtime mounts over. Nothing is downloaded.
 */
export async function planBaseLayer(nodeBinary: string): Promise<LayerEntry[]> {
  const { uid, gid, name, home } = APP_USER;
  const entries: LayerEntry[] = [
    { type: 'directory', path: 'app', mode: 0o755 },
    { type: 'directory', path: 'dev', mode: 0o755 },
    { type: 'directory', path: 'proc', mode: 0o555 },
    { type: 'directory', path: 'tmp', mode: 0o1777 },
    { type: 'directory', path: home.slice(1), mode: 0o755, uid, gid },
    text('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${gid}:${name}:${home}:/sbin/nologin\n`),
    text('etc/group', `root:x:0:\n${name}:x:${gid}:\n`),
    // Lets getaddrinfo resolve localhost where the runtime does not mount its own /etc/hosts.
    text('etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost\n'),
    text('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n'),
  ];
  const nodeStats = await stat(nodeBinary);
  entries.push({ type: 'file', path: NODE_PATH.slice(1), mode: 0o755, size: nodeStats.size, source: nodeBinary });
  for (const library of await sharedLibraries(nodeBinary)) {
    const stats = await stat(library); // follows the host's symlinks: the image gets the real bytes
    entries.push({ type: 'file', path: library.slice(1), mode: fileMode(stats.mode), size: stats.size, source: library });
  }
  return entries;
}
