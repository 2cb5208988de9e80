import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Isolation } from './launch-plan.ts';

let probed: Promise<{ isolation: Isolation; why: string }> | undefined;

/**
 * Namespaces when this process may create them (root, and unshare works: some sandboxes deny it
 * even to root), else none, with the reason for the deploy log.
 */
export function detectIsolation(): Promise<{ isolation: Isolation; why: string }> {
  probed ??= (async () => {
    if (process.getuid?.() !== 0) return { isolation: 'none' as const, why: 'not running as root' };
    const failure = await promisify(execFile)('unshare', ['--mount', '--uts', '--ipc', '--pid', '--fork', '--kill-child', 'true']).then(
      () => undefined,
      (error: Error & { stderr?: string }) => (error.stderr || error.message).trim().split('\n')[0],
    );
    return failure === undefined
      ? { isolation: 'namespaces' as const, why: 'running as root' }
      : { isolation: 'none' as const, why: `unshare is not permitted here: ${failure}` };
  })();
  return probed;
}
