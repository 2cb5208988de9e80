import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { processRef, stopProcessTree, type ProcessRef } from './process.ts';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order: what a developer would have seen. */
  output: string;
  durationMs: number;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Called with each complete output line as it arrives (for streaming with a prefix). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
  /**
   * Records the process while it runs (see ChildRecords), so a later Slipway process stops it if
   * this one is killed first; the returned function forgets it.
   */
  track?: (child: ProcessRef) => Promise<() => Promise<void>>;
  /**
   * Stops the command, and every process it started, when aborted (SIGTERM, then SIGKILL after a
   * grace period); it then resolves as usual, with the code the stop left. Aborted before it
   * starts, the command is never started and exec rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * Runs a command without a shell and collects its output. Never rejects on a non-zero exit:
 * callers turn the code and output into feedback. Rejects only if the command cannot start.
 */
export function exec(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason as Error);
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] };
    const child = spawn(command, args, spawnOptions);
    const collected = collectOutput(child, options.onLine);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    const ref = (options.track || options.signal) && processRef(child.pid);
    const tracked = ref && options.track ? options.track(ref).catch(() => undefined) : undefined;
    // The script shares our process group (Ctrl-C reaches it too), so its tree is stopped by pid.
    const stop = () => void stopProcessTree(ref);
    options.signal?.addEventListener('abort', stop, { once: true });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      const result = { code: code ?? (signal ? 128 : 1), ...collected.end(), durationMs: Date.now() - started };
      void (tracked ?? Promise.resolve(undefined)).then((forget) => forget?.().catch(() => undefined)).then(() => resolve(result));
    });
    // A command that exits before reading its input closes the pipe: that is not an error.
    child.stdin!.on('error', () => {});
    if (options.input === undefined) child.stdin!.end();
    else child.stdin!.end(options.input);
  });
}

/**
 * Collects a child's stdout and stderr (also interleaved, in arrival order), passing each complete
 * line to onLine as it arrives; end() passes on unterminated last lines and gives the text.
 */
function collectOutput(child: ChildProcess, onLine?: ExecOptions['onLine']): { end(): Pick<ExecResult, 'stdout' | 'stderr' | 'output'> } {
  const text = { stdout: '', stderr: '', output: '' };
  const pending = { stdout: '', stderr: '' };
  const take = (stream: 'stdout' | 'stderr') => (chunk: string) => {
    text[stream] += chunk;
    text.output += chunk;
    if (!onLine) return;
    const lines = (pending[stream] + chunk).split('\n');
    pending[stream] = lines.pop() ?? '';
    for (const line of lines) onLine(line, stream);
  };
  // Decoded by the streams, so a character split between two chunks is not garbled.
  child.stdout?.setEncoding('utf8').on('data', take('stdout'));
  child.stderr?.setEncoding('utf8').on('data', take('stderr'));
  return {
    end() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream] && onLine) onLine(pending[stream], stream);
        pending[stream] = '';
      }
      return { ...text };
    },
  };
}

/** The last `count` non-empty lines of some output: the log excerpt feedback carries. */
export function tailLines(output: string, count = 20): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count);
}

/**
 * Slipway's own credentials: what it signs cache entries, verifies webhooks and reaches the
 * registry and clusters with. The project's scripts (its builds, tests and installs, code a pull
 * request can change) never get them.
 */
const slipwayCredentials = [
  'SLIPWAY_CACHE_KEY',
  'SLIPWAY_WEBHOOK_SECRET',
  'SLIPWAY_REGISTRY_PASSWORD',
  'LIGHTKEEPER_TOKEN',
  'SLACK_WEBHOOK_URL',
];

/** The environment for the project's own scripts: this one, without Slipway's credentials. */
export function projectEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of slipwayCredentials) delete copy[name];
  return copy;
}
