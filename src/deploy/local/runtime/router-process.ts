import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../../../shared/net.ts';
import { isRunning, startDetached, type ProcessRef } from '../../../shared/process.ts';

const routerScript = fileURLToPath(new URL('./router.mjs', import.meta.url));

export type RouterRef = ProcessRef & { port: number };

export function routesFilePath(envDir: string): string {
  return join(envDir, 'routes.json');
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000, agent: false }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function startRouter(envDir: string, port: number): Promise<RouterRef | undefined> {
  const ref = await startDetached(process.execPath, [routerScript, String(port), routesFilePath(envDir)], {
    logFile: join(envDir, 'router.log'),
    cwd: envDir,
    env: { PATH: process.env.PATH ?? '' },
  });
  const up = await waitFor(async () => isRunning(ref) && (await answers(port)), 5000, 50);
  return up ? { ...ref, port } : undefined;
}

/**
 * The environment's router, started if it is not running; it keeps its port (and so the app's
 * URL) across revisions and restarts, unless another process took the port meanwhile.
 */
export async function ensureRouter(envDir: string, existing: RouterRef | undefined, onLog: (line: string) => void): Promise<RouterRef> {
  if (existing && isRunning(existing)) return existing;
  if (existing) {
    const restarted = await startRouter(envDir, existing.port);
    if (restarted) {
      onLog(`router restarted on its port ${existing.port}`);
      return restarted;
    }
  }
  const port = await freePort();
  const started = await startRouter(envDir, port);
  if (!started) throw new Error(`the router did not start on 127.0.0.1:${port}; see ${join(envDir, 'router.log')}`);
  if (existing) onLog(`router port ${existing.port} is taken: the environment's URL moves to port ${port}`);
  return started;
}
