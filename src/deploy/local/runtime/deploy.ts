import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Failure } from '../../../shared/feedback/failure.ts';
import type { ServiceStatus } from '../../target.ts';
import { tailLines } from '../../../shared/exec.ts';
import { writeFileAtomic } from '../../../shared/fs.ts';
import { freePort } from '../../../shared/net.ts';
import type { PullSource } from './image-source.ts';
import { detectIsolation } from './isolation.ts';
import { planLaunch, resolveUser, type Isolation, type LaunchPlan } from './launch-plan.ts';
import { repositoryOf } from './oci.ts';
import { isRunning, stopProcess } from '../../../shared/process.ts';
import { pullImage, type PulledImage } from './pull.ts';
import { formatSeconds, waitUntilReady, type Readiness } from './readiness.ts';
import { ensureRouter, routesFilePath } from './router-process.ts';
import { planRoutes } from './routes.ts';
import { resolveInRoot } from '../../../shared/confined-path.ts';
import { exitReason, readSupervisorStatus, startService, stopServices } from './supervision.ts';
import {
  environmentDir,
  lockEnvironment,
  readState,
  removeState,
  withHistory,
  writeState,
  type RuntimeState,
  type HistoryEntry,
  type RuntimeRevision,
} from './state.ts';

export interface ServiceDeployment {
  name: string;
  image: { source: PullSource; reference: string; digest: string };
  /** The port the service is configured for; the runtime picks a free host port and passes it as PORT. */
  port: number;
  /** Plain variables and resolved secrets: handed to the process, never logged or stored. */
  env: Record<string, string>;
  health: string;
  readiness: string;
  routes: string[];
}

export interface DeployOptions {
  stateDir: string;
  environment: string;
  /** The release tag, e.g. "v1.5.0". */
  revision: string;
  services: ServiceDeployment[];
  readyTimeoutMs: number;
  onLog?: (line: string) => void;
  /** Defaults to namespaces when permitted; 'none' runs the rootfs's entrypoint on the host. */
  isolation?: Isolation;
  /** First delay before restarting a service that exited (doubling, at most 30 s). */
  restartDelayMs?: number;
}

export interface DeployResult {
  url: string;
  revision: string;
  services: { name: string; url: string; pid: number }[];
}

export interface RuntimeStatus {
  /** The app's URL; undefined while no revision was ever deployed. */
  url: string | undefined;
  revision: string | undefined;
  routerAlive: boolean;
  services: ServiceStatus[];
  history: HistoryEntry[];
}

/** How long requests already sent to the old revision get to finish after the switch. */
const drainMs = 500;

const serviceUrl = (port: number) => `http://127.0.0.1:${port}/`;

function validateNames(opts: DeployOptions): void {
  const bad = (what: string, value: string) =>
    new Failure(`${what} "${value}" cannot name a local deployment`, { hint: `Use letters, digits, dots and dashes in the ${what}.` });
  if (!/^[a-z0-9][a-z0-9-]*$/.test(opts.environment)) throw bad('environment', opts.environment);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(opts.revision)) throw bad('revision', opts.revision);
  for (const service of opts.services) if (!/^[a-z][a-z0-9-]*$/.test(service.name)) throw bad('service name', service.name);
  if (opts.services.length === 0) throw new Failure(`revision ${opts.revision} has no services to deploy`);
}

function result(state: RuntimeState): DeployResult {
  return {
    url: serviceUrl(state.router!.port),
    revision: state.current!.revision,
    services: state.current!.services.map((s) => ({ name: s.name, url: serviceUrl(s.port), pid: s.supervisor.pid })),
  };
}

async function stopRevision(revision: RuntimeRevision): Promise<void> {
  await stopServices(revision.services.map((s) => s.supervisor));
}

/** True when the environment already serves exactly these images as this revision, all running. */
function alreadyServing(state: RuntimeState, opts: DeployOptions): boolean {
  const current = state.current;
  if (!current || current.revision !== opts.revision || !isRunning(state.router)) return false;
  if (current.services.length !== opts.services.length) return false;
  return opts.services.every((wanted) =>
    current.services.some((s) => s.name === wanted.name && s.digest === wanted.image.digest && isRunning(s.supervisor)),
  );
}

async function fileSize(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/** This attempt's part of a service log (logs of one revision accumulate across attempts). */
async function logSince(path: string, offset: number): Promise<string[]> {
  const text = await readFile(path).then(
    (buffer) => buffer.subarray(offset).toString('utf8'),
    () => '',
  );
  return tailLines(text, 20);
}

/** An image's /etc file, with symlinks resolved inside the rootfs (the trailing "/x" makes every component of the path a parent). */
async function readEtc(rootfs: string, file: string): Promise<string> {
  const path = dirname(await resolveInRoot(rootfs, `etc/${file}/x`));
  return readFile(path, 'utf8').catch(() => '');
}

interface PlannedService {
  service: ServiceDeployment;
  image: PulledImage;
  port: number;
  plan: LaunchPlan;
  logFile: string;
  statusFile: string;
  /** Where this attempt's output starts in the revision's log. */
  logOffset: number;
}

async function planServices(
  opts: DeployOptions,
  envDir: string,
  pulled: Map<string, PulledImage>,
  isolation: Isolation,
): Promise<PlannedService[]> {
  const attempt = randomBytes(3).toString('hex');
  const planned: PlannedService[] = [];
  for (const service of opts.services) {
    const image = pulled.get(service.name)!;
    const port = await freePort();
    const user =
      isolation === 'namespaces'
        ? resolveUser(service.name, image.config.user, await readEtc(image.rootfs, 'passwd'), await readEtc(image.rootfs, 'group'))
        : undefined;
    const plan = planLaunch({
      service: service.name,
      config: image.config,
      rootfs: image.rootfs,
      env: service.env,
      port,
      isolation,
      user,
      existsInRootfs: (path) => existsSync(join(image.rootfs, path)),
      hostPath: process.env.PATH ?? '',
    });
    const logFile = join(envDir, opts.revision, `${service.name}.log`);
    const statusFile = join(envDir, opts.revision, `${service.name}.${attempt}.status.json`);
    planned.push({ service, image, port, plan, logFile, statusFile, logOffset: await fileSize(logFile) });
  }
  return planned;
}

/** Pulls every image and plans every process and the routes; starts nothing. */
async function prepare(opts: DeployOptions, envDir: string, log: (line: string) => void) {
  const pulled = new Map<string, PulledImage>();
  for (const service of opts.services) {
    const image = repositoryOf(service.image.reference);
    const result = await pullImage({
      source: service.image.source,
      reference: service.image.reference,
      digest: service.image.digest,
      stateDir: opts.stateDir,
      image,
      onLog: log,
    });
    if (result.cached) log(`${service.name}: image ${image} ${service.image.digest} already unpacked`);
    pulled.set(service.name, result);
  }
  const { isolation, why } = opts.isolation ? { isolation: opts.isolation, why: 'as requested' } : await detectIsolation();
  if (isolation === 'none')
    log(`services run WITHOUT namespace isolation (${why}): each image's entrypoint runs from its unpacked filesystem on the host`);
  const planned = await planServices(opts, envDir, pulled, isolation);
  const routes = planRoutes(
    opts.revision,
    planned.map((p) => ({ name: p.service.name, port: p.port, routes: p.service.routes })),
  );
  return { planned, routes };
}

/** The Failure for a revision whose services did not all become ready: the first one's reason and log. */
async function notReadyFailure(
  opts: DeployOptions,
  state: RuntimeState,
  planned: PlannedService[],
  outcomes: Readiness[],
): Promise<Failure> {
  const reasons = outcomes.map((o) => (o.ready ? undefined : o.reason));
  const index = reasons.findIndex((r) => r !== undefined);
  const failed = planned[index];
  const reason = reasons[index]!;
  const others = reasons.flatMap((r, i) => (r !== undefined && i !== index ? [`${planned[i].service.name} also failed: ${r}`] : []));
  const serving =
    state.current && isRunning(state.router)
      ? `${state.current.revision} keeps serving ${serviceUrl(state.router!.port)}, untouched`
      : 'no earlier revision was serving in this environment';
  const hint = reason.startsWith('never became ready')
    ? `Make ${failed.service.readiness} of ${failed.service.name} answer 2xx within ${formatSeconds(opts.readyTimeoutMs)} (its log is above), then release again.`
    : `${failed.service.name} stopped during startup: its log above shows why. Fix it, then release again.`;
  return new Failure(`${failed.service.name} ${reason}`, {
    details: [
      `revision ${opts.revision} was not deployed to ${opts.environment}: its processes were stopped`,
      serving,
      ...others,
      `full log: ${failed.logFile}`,
    ],
    logExcerpt: await logSince(failed.logFile, failed.logOffset),
    hint,
    artifacts: [failed.logFile],
  });
}

/**
 * Deploys a revision beside the one serving: pulls and verifies the images, starts the new
 * processes, waits for every readiness path, then switches the router and stops the old
 * processes. If any service fails, its processes stop, the old revision keeps serving untouched,
 * the attempt is recorded, and a Failure names the service, the reason and its log.
 */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  validateNames(opts);
  const unlock = await lockEnvironment(opts.stateDir, opts.environment);
  try {
    return await deployLocked(opts);
  } finally {
    await unlock();
  }
}

async function deployLocked(opts: DeployOptions): Promise<DeployResult> {
  const log = opts.onLog ?? (() => {});
  const envDir = environmentDir(opts.stateDir, opts.environment);
  const state: RuntimeState = (await readState(opts.stateDir, opts.environment)) ?? {
    environment: opts.environment,
    inactive: [],
    history: [],
  };
  const save = () => writeState(opts.stateDir, state);
  if (state.inactive.length > 0) {
    log(`stopping processes left by an interrupted deploy (${state.inactive.map((r) => r.revision).join(', ')})`);
    await Promise.all(state.inactive.map(stopRevision));
    state.inactive = [];
    await save();
  }

  const recordError = async (error: unknown) => {
    const failure = error instanceof Failure ? error : undefined;
    state.history = withHistory(state.history, {
      revision: opts.revision,
      at: new Date().toISOString(),
      outcome: 'failed',
      reason: failure?.specific ?? (error as Error).message,
    });
    await save();
    return error;
  };

  // Pull and plan everything (images, ports, users, commands, routes) before starting anything.
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(opts, envDir, log);
  } catch (error) {
    throw await recordError(error);
  }
  if (alreadyServing(state, opts)) {
    log(`${opts.environment} already serves ${opts.revision} with these images: nothing to do`);
    return result(state);
  }
  const { planned, routes } = prepared;

  const record: RuntimeRevision = { revision: opts.revision, startedAt: new Date().toISOString(), services: [] };
  state.inactive = [record];
  try {
    for (const p of planned) {
      const supervisor = await startService(
        p.service.name,
        p.plan,
        { logFile: p.logFile, statusFile: p.statusFile },
        opts.restartDelayMs ?? 1000,
      );
      record.services.push({
        name: p.service.name,
        digest: p.image.digest,
        port: p.port,
        routes: p.service.routes,
        supervisor,
        statusFile: p.statusFile,
        logFile: p.logFile,
      });
      await save();
      log(`${p.service.name}: ${opts.revision} started on ${serviceUrl(p.port)} (pid ${supervisor.pid}), ${p.plan.description}`);
    }
    const outcomes = await Promise.all(
      record.services.map((s, i) =>
        waitUntilReady({
          port: s.port,
          path: planned[i].service.readiness,
          timeoutMs: opts.readyTimeoutMs,
          exited: () => exitReason(s.supervisor, s.statusFile),
        }),
      ),
    );
    if (outcomes.some((o) => !o.ready)) throw await notReadyFailure(opts, state, planned, outcomes);
    for (const [i, s] of record.services.entries())
      log(`${s.name}: ready after ${formatSeconds((outcomes[i] as { afterMs: number }).afterMs)}`);
    state.router = await ensureRouter(envDir, state.router, log);
  } catch (error) {
    // The new revision never served: stop it; the old one was never touched.
    await stopRevision(record);
    state.inactive = [];
    throw await recordError(error);
  }

  await writeFileAtomic(routesFilePath(envDir), JSON.stringify(routes, null, 2));
  const previous = state.current;
  state.current = record;
  state.inactive = previous ? [previous] : [];
  state.history = withHistory(state.history, { revision: opts.revision, at: new Date().toISOString(), outcome: 'deployed' });
  await save();
  log(`${serviceUrl(state.router.port)} now serves ${opts.revision}`);

  if (previous) {
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    await stopRevision(previous);
    state.inactive = [];
    await save();
    log(`stopped ${previous.revision}`);
  }
  return result(state);
}

/** What runs in an environment, how healthy its processes are, and its recent deploys. */
export async function environmentStatus(stateDir: string, environment: string): Promise<RuntimeStatus | undefined> {
  const state = await readState(stateDir, environment);
  if (!state) return undefined;
  const services = await Promise.all(
    (state.current?.services ?? []).map(async (s): Promise<ServiceStatus> => {
      const status = await readSupervisorStatus(s.statusFile);
      return {
        name: s.name,
        url: serviceUrl(s.port),
        pid: s.supervisor.pid,
        alive: isRunning(s.supervisor) && status?.running === true,
        restarts: status?.restarts ?? 0,
      };
    }),
  );
  return {
    url: state.current && state.router ? serviceUrl(state.router.port) : undefined,
    revision: state.current?.revision,
    routerAlive: isRunning(state.router),
    services,
    history: state.history,
  };
}

/** Stops the router and every service process of the environment and forgets its state; logs stay. */
export async function teardown(stateDir: string, environment: string): Promise<void> {
  const unlock = await lockEnvironment(stateDir, environment);
  try {
    const state = await readState(stateDir, environment);
    if (!state) return;
    await Promise.all([stopProcess(state.router), ...[state.current, ...state.inactive].flatMap((r) => (r ? [stopRevision(r)] : []))]);
    await rm(routesFilePath(environmentDir(stateDir, environment)), { force: true });
    await removeState(stateDir, environment);
  } finally {
    await unlock();
  }
}
