import { execFileSync } from 'node:child_process';
import type { LayerEntry } from './oci-layout-writer.ts';

/**
 * An image's base layer made of the host's node binary and the libraries ldd names, with an `app`
 * user: a real, self-contained rootfs for services run chrooted in their image.
 */
export function nodeBaseLayer(): LayerEntry[] {
  const libraries = execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  return [
    { path: 'usr/bin/node', hostFile: process.execPath },
    ...libraries.map((lib) => ({ path: lib.slice(1), hostFile: lib })),
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:65532:65532::/home/app:/sbin/nologin\n' },
    { path: 'etc/group', content: 'root:x:0:\napp:x:65532:\n' },
  ];
}
