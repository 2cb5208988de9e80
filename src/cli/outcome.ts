import { join } from 'node:path';
import type { Home } from '../shared/home.ts';
import type { PipelineOutcome } from '../run/pipeline.ts';
import { runResult } from '../shared/feedback/run-result.ts';
import { bold, green, red } from '../shared/feedback/sinks/terminal.ts';
import { RunStore, type StageRecord } from '../shared/state/run-store.ts';

/** The closing lines of a run: what was released and where it runs, or where the feedback is. */
export function printOutcome(outcome: PipelineOutcome, home: Home): void {
  const out = (line: string) => process.stdout.write(line + '\n');
  const runDir = home.runDir(outcome.run.id);
  // A check run's closing line, and a failed run's, need no stage: the store is read only for what a release reached.
  const releaseEnded = !outcome.failures.length && outcome.run.trigger !== 'ci';
  const stages = releaseEnded ? stagesOf(outcome.run.id, home) : [];
  const result = runResult(
    outcome.run,
    stages,
    outcome.failures.map((failure) => failure.message),
    outcome.handoff,
  );
  const paint = { failed: (text: string) => red(bold(text)), succeeded: (text: string) => green(bold(text)), stopped: bold };
  out(paint[result.outcome](result.line));
  if (releaseEnded && !outcome.releaseHandedOff) {
    const stage = (id: string) => stages.find((record) => record.stage === id);
    const [deploy, promote] = [stage('deploy'), stage('promote')];
    for (const [service, image] of Object.entries(outcome.release?.images ?? {})) out(`  ${service.padEnd(10)} ${image.reference}`);
    const url = deploy?.status === 'succeeded' ? (deploy.outputs as { url?: string } | undefined)?.url : undefined;
    if (url) out(`  app running at ${url}`);
    if (promote?.summary && promote.status === 'succeeded') out(`  environments: ${promote.summary}`);
  }
  out(`  summary: ${join(runDir, 'summary.md')}   details: slipway show ${outcome.run.id}`);
}

function stagesOf(runId: number, home: Home): StageRecord[] {
  const store = new RunStore(home.stateDb);
  try {
    return store.stages(runId);
  } finally {
    store.close();
  }
}

/** The last environment a run made its release stable in, where a rollback would go next. */
export function reachedEnvironment(runId: number, home: Home): string | undefined {
  const store = new RunStore(home.stateDb);
  try {
    const stage = (id: string) => store.stage(runId, id);
    const promoted = (stage('promote')?.outputs as { deployed?: string[] } | undefined)?.deployed?.at(-1);
    const deployed =
      stage('stability')?.status === 'succeeded' ? (stage('deploy')?.outputs as { environment?: string })?.environment : undefined;
    return promoted ?? deployed;
  } finally {
    store.close();
  }
}

/** The command's exit code for a run: 0 when it succeeded, 2 when Slipway could not run, else 1. */
export function exitCodeFor(outcome: PipelineOutcome): number {
  return outcome.failures.reduce<number>((code, failure) => Math.max(code, failure.exitCode ?? 1), 0);
}
