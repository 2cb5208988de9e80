import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLog } from '../release/forge/webhooks/delivery-log.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../release/forge/webhooks/receiver.ts';
import { signDelivery } from '../release/forge/webhooks/signature.ts';
import type { Feedback } from '../shared/feedback/feedback.ts';
import { RunStore, type RunRecord } from '../shared/state/run-store.ts';
import { releaseDeliveryHandler, type ReleaseRequest } from './release-deliveries.ts';

// Duplicate, late and stray deliveries for one release, to the receiver `slipway run` opens for
// itself and to `slipway serve` (the same handler, finding the run by itself or by commit): the
// release half starts once per release, whatever the number of distinct deliveries.

const secret = 'deliveries-faults-secret';
const contender = join(import.meta.dirname, '../test-support/release-half-contender.ts');

let dir: string;
let store: RunStore;
let run: RunRecord;
const receivers: WebhookReceiver[] = [];
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-deliveries-'));
  store = new RunStore(join(dir, 'state.db'));
  run = store.createRun({
    project: 'embark',
    repoDir: join(dir, 'repo'),
    commit: 'abc123'.padEnd(40, '0'),
    branch: 'main',
    trigger: 'manual',
  });
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const receiver of receivers.splice(0)) await receiver.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A release half that runs until the test ends it, counting how often it was started. */
function controlledHalf() {
  const half = { starts: 0, finish: (_failures: Feedback[]) => {}, fail: (_error: Error) => {} };
  const start = () => {
    half.starts += 1;
    return new Promise<Feedback[]>((resolve, reject) => Object.assign(half, { finish: resolve, fail: reject }));
  };
  return { half, start };
}

const receiversOf = {
  'the receiver of `slipway run` (its own run)': (own: RunRecord, store: RunStore) => ({ store, runOf: () => own }),
  '`slipway serve` (the run of the commit)': (_own: RunRecord, store: RunStore) => ({
    store,
    runOf: (request: ReleaseRequest) => store.latestRunOfCommit(request.commit) ?? `no run of commit ${request.commit}`,
  }),
};

async function receive(options: ReturnType<(typeof receiversOf)[keyof typeof receiversOf]>, start: () => Promise<Feedback[]>) {
  const errors: string[] = [];
  const receiver = await startWebhookReceiver({
    secrets: [secret],
    seen: new MemoryDeliveryLog(),
    onEvent: releaseDeliveryHandler({ ...options, releaseHalf: start }),
    onError: (error) => errors.push((error as Error).message),
  });
  receivers.push(receiver);
  return { url: receiver.url, errors };
}

async function deliver(url: string, deliveryId: string, payload: object = releaseCreated('v1.5.0'), event = 'release') {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'x-github-event': event, 'x-github-delivery': deliveryId, ...(await signDelivery(secret, body)) },
  });
  return { status: response.status, body: (await response.json()) as { status?: string; message?: string; accepted?: string } };
}

function releaseCreated(tag: string, commit = run.commit) {
  return { action: 'created', release: { tag_name: tag, target_commitish: commit }, repository: { full_name: 'acme/embark' } };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe.each(Object.entries(receiversOf))('release deliveries to %s', (_name, optionsFor) => {
  it('starts the release half once for three distinct deliveries at once; the others hear "already running", later ones "already finished"', async () => {
    const { half, start } = controlledHalf();
    const { url } = await receive(optionsFor(run, store), start);
    const answers = await Promise.all(['d-1', 'd-2', 'd-3'].map((id) => deliver(url, id)));
    expect(half.starts).toBe(1);
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(1);
    const others = answers.filter((answer) => answer.status !== 202);
    expect(others.map((answer) => [answer.status, answer.body.status])).toEqual([
      [200, 'already-running'],
      [200, 'already-running'],
    ]);
    expect(others[0].body.message).toMatch(
      new RegExp(`^The release half of v1\\.5\\.0 is already running: run #${run.id}, process ${process.pid}, since \\d{4}-\\d\\d-\\d\\dT`),
    );

    half.finish([]);
    const finished = await waitForAnswer(url, 'd-4', 'already-finished');
    expect(finished.body.message).toMatch(
      new RegExp(`^The release half of v1\\.5\\.0 already finished \\(succeeded\\) in run #${run.id} at `),
    );
    expect(half.starts).toBe(1);
  });

  it('says how to carry on a release half that failed, and does not start it again on a new delivery', async () => {
    const { half, start } = controlledHalf();
    const { url } = await receive(optionsFor(run, store), start);
    expect((await deliver(url, 'd-1')).status).toBe(202);
    half.finish([{ stage: 'integration' } as Feedback]);
    const answer = await waitForAnswer(url, 'd-2', 'already-finished');
    expect(answer.body.message).toMatch(
      new RegExp(
        `^The release half of v1\\.5\\.0 already finished \\(failed\\) in run #${run.id} at \\S+; \`slipway resume ${run.id}\` carries it on\\.$`,
      ),
    );
    expect(half.starts).toBe(1);
  });
});

/** Delivers (a new id each time) until the answer has the wanted status: the half ends after its 202. */
async function waitForAnswer(url: string, id: string, wanted: string) {
  for (let attempt = 1; ; attempt++) {
    const answer = await deliver(url, `${id}-${attempt}`);
    if (answer.body.status === wanted) return answer;
    expect(answer.body.status).toBe('already-running');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('release deliveries across receivers and processes', () => {
  it('starts one half when two receivers sharing the home (a run and `slipway serve`) each get a delivery', async () => {
    const { half, start } = controlledHalf();
    const other = new RunStore(join(dir, 'state.db'));
    try {
      const inRun = await receive(receiversOf['the receiver of `slipway run` (its own run)'](run, store), start);
      const serve = await receive(receiversOf['`slipway serve` (the run of the commit)'](run, other), start);
      expect((await deliver(inRun.url, 'to-run')).status).toBe(202);
      const second = await deliver(serve.url, 'to-serve');
      expect([second.status, second.body.status]).toEqual([200, 'already-running']);
      expect(half.starts).toBe(1);
      half.finish([]);
    } finally {
      await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
      other.close();
    }
  });

  it('answers "already running" while another live process runs the half, naming that process', async () => {
    const holder = startContender();
    expect(await holder.claim).toEqual({ started: true });
    const { half, start } = controlledHalf();
    const { url } = await receive(receiversOf['`slipway serve` (the run of the commit)'](run, store), start);
    const answer = await deliver(url, 'd-1');
    expect([answer.status, answer.body.status]).toEqual([200, 'already-running']);
    expect(answer.body.message).toContain(`run #${run.id}, process ${holder.child.pid}, since`);
    expect(half.starts).toBe(0);
  });

  it('takes over the half of a process killed with SIGKILL while it ran it', async () => {
    const holder = startContender();
    expect(await holder.claim).toEqual({ started: true });
    await new Promise((resolve) => holder.child.once('exit', resolve).kill('SIGKILL'));
    const { half, start } = controlledHalf();
    const { url } = await receive(receiversOf['`slipway serve` (the run of the commit)'](run, store), start);
    expect((await deliver(url, 'after-the-crash')).status).toBe(202);
    expect(half.starts).toBe(1);
    half.finish([]);
  });

  it('lets a later delivery start the half again when Slipway itself failed running it', async () => {
    const { half, start } = controlledHalf();
    const { url, errors } = await receive(receiversOf['`slipway serve` (the run of the commit)'](run, store), start);
    expect((await deliver(url, 'd-1')).status).toBe(202);
    half.fail(new Error('the registry could not be started'));
    await until(() => errors.length === 1);
    expect(errors).toEqual(['the registry could not be started']);
    expect((await deliver(url, 'd-2')).status).toBe(202);
    expect(half.starts).toBe(2);
    half.finish([]);
  });

  it('starts the half on a slipway-release repository_dispatch too, once for both events', async () => {
    const { half, start } = controlledHalf();
    const { url } = await receive(receiversOf['`slipway serve` (the run of the commit)'](run, store), start);
    const dispatch = {
      action: 'slipway-release',
      branch: 'main',
      client_payload: { tag: 'v1.5.0', commit: run.commit },
      repository: { full_name: 'acme/embark' },
    };
    expect((await deliver(url, 'dispatch-1', dispatch, 'repository_dispatch')).status).toBe(202);
    const second = await deliver(url, 'created-1', releaseCreated('v1.5.0'));
    expect(second).toMatchObject({ status: 200, body: { status: 'already-running' } });
    expect(half.starts).toBe(1);
    half.finish([]);
  });

  it('starts nothing for other events, a release not made from a commit, or a commit with no run, and says why', async () => {
    const { half, start } = controlledHalf();
    const { url } = await receive(receiversOf['`slipway serve` (the run of the commit)'](run, store), start);
    expect(await deliver(url, 'ping', { zen: 'hi' }, 'ping')).toEqual({
      status: 200,
      body: {
        delivery: 'ping',
        status: 'ignored',
        message: 'Nothing to do: the "ping" event names no repository (repository.full_name).',
      },
    });
    const why = 'a release half starts on a "release" event with action "created" or a "repository_dispatch" of type "slipway-release"';
    expect((await deliver(url, 'push', { ref: 'refs/heads/main', repository: { full_name: 'acme/embark' } }, 'push')).body.message).toBe(
      `Nothing to do: ${why}; this is a "push" event.`,
    );
    const repository = { full_name: 'acme/embark' };
    expect(
      (await deliver(url, 'pr', { action: 'opened', number: 7, pull_request: { number: 7 }, repository }, 'pull_request')).body,
    ).toEqual({
      delivery: 'pr',
      status: 'ignored',
      message: `Nothing to do: ${why}; this is a "pull_request" event with action "opened".`,
    });
    expect(
      (await deliver(url, 'dispatch', { inputs: { environment: 'prod' }, ref: 'refs/heads/main', repository }, 'workflow_dispatch')).body
        .message,
    ).toBe(`Nothing to do: ${why}; this is a "workflow_dispatch" event.`);
    expect(
      (
        await deliver(
          url,
          'other-type',
          { action: 'deploy', client_payload: { tag: 'v1.5.0', commit: run.commit }, repository },
          'repository_dispatch',
        )
      ).body.message,
    ).toBe(`Nothing to do: ${why}; this is a "repository_dispatch" event with action "deploy".`);
    expect((await deliver(url, 'published', { ...releaseCreated('v1.5.0'), action: 'published' })).body.message).toBe(
      `Nothing to do: ${why}; this is a "release" event with action "published".`,
    );
    expect((await deliver(url, 'by-hand', releaseCreated('v1.5.0', 'main'))).body.message).toBe(
      'Nothing to do: release v1.5.0 targets "main", not a commit: it was not made by Slipway.',
    );
    const stray = 'f'.repeat(40);
    expect((await deliver(url, 'stray', releaseCreated('v9.0.0', stray))).body.message).toBe(`Nothing to do: no run of commit ${stray}.`);
    expect(half.starts).toBe(0);
  });
});

function startContender() {
  const child = spawn(process.execPath, ['--import', 'tsx', contender, join(dir, 'state.db'), String(run.id), 'v1.5.0']);
  children.push(child);
  let output = '';
  const claim = new Promise<unknown>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('\n')) resolve(JSON.parse(output));
    });
    child.once('exit', (code) => reject(new Error(`the contender exited with ${code}`)));
  });
  return { child, claim };
}
