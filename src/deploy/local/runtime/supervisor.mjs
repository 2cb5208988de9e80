// Keeps one service process running, detached from the CLI that deployed it, like a kubelet for
// one container: restarts it when it exits (with backoff, counting restarts) and records its state
// in a status file the CLI reads. The launch spec arrives on stdin so the service's environment,
// which may hold secrets, is never written to disk. Plain JavaScript: `node` runs it without tsx.
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
/** @type {{ service: string, command: string, args: string[], env: Record<string,string>, cwd: string, statusFile: string, restartDelayMs: number, stopGraceMs: number }} */
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8'));

let child;
let running = false;
let restarts = 0;
let lastExit = null;
let stopping = false;

function log(line) {
  process.stdout.write(`[slipway] ${new Date().toISOString()} ${line}\n`);
}

function writeStatus() {
  const tmp = `${spec.statusFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ supervisorPid: process.pid, childPid: running ? child.pid : null, running, restarts, lastExit }));
  renameSync(tmp, spec.statusFile);
}

function start() {
  let ended = false;
  child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  const onEnd = (code, signal) => {
    if (ended) return;
    ended = true;
    running = false;
    lastExit = { code, signal, at: new Date().toISOString() };
    if (stopping) {
      writeStatus();
      process.exit(0);
    }
    restarts += 1;
    const delay = Math.min(spec.restartDelayMs * 2 ** (restarts - 1), 30_000);
    log(
      `${spec.service} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; restarting in ${delay} ms (restart ${restarts})`,
    );
    writeStatus();
    setTimeout(start, delay);
  };
  child.on('error', (error) => {
    log(`${spec.service} could not start ${spec.command}: ${error.message}`);
    onEnd(127, null);
  });
  child.on('exit', onEnd);
  if (child.pid) {
    running = true;
    writeStatus();
  }
}

/** The pid-1 process of the service's pid namespace (the child of `unshare --fork`), if any. */
function namespaceInit(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || undefined;
  } catch {
    return undefined;
  }
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // it exited on its own meanwhile
  }
}

/**
 * Stops the service: SIGTERM, then SIGKILL after the grace period. In a namespace the signals go
 * to its pid 1, Slipway's init, which passes SIGTERM on to the service (unshare itself ignores
 * SIGTERM while it waits); when pid 1 dies the kernel kills the rest of its namespace.
 */
function stop() {
  if (stopping) return;
  stopping = true;
  if (!running) process.exit(0);
  const target = (spec.command === 'unshare' ? namespaceInit(child.pid) : undefined) ?? child.pid;
  log(`stopping ${spec.service}: SIGTERM`);
  kill(target, 'SIGTERM');
  setTimeout(() => {
    log(`${spec.service} did not stop within ${spec.stopGraceMs} ms: SIGKILL`);
    kill(target, 'SIGKILL');
    kill(child.pid, 'SIGKILL');
  }, spec.stopGraceMs).unref();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
start();
