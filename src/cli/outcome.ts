import { join } from 'node:path';
import type { Home } from '../shared/home.ts';
import type { PipelineOutcome } from '../run/pipeline.ts';
import { bold, green, red } from '../shared/feedback/sinks/terminal.ts';
import { RunStore } from '../shared/state/run-store.ts';

/** The closing lines of a run: what was released and where it runs, or where the feedback is. */
export function printOutcome(outcome: PipelineOutcome, home: Home): void {
  const out = (line: string) => process.stdout.write(line + '\n');
  const runDir = home.runDir(outcome.run.id);
  if (outcome.failures.length) {
    out(red(bold(`Run #${outcome.run.id} failed: ${outcome.failures.map((f) => f.message).join('; ')}`)));
  } else if (outcome.run.trigger === 'ci') {
    out(green(bold(`Run #${outcome.run.id}: built and tested`)));
  } else if (outcome.releaseHandedOff) {
    out(green(bold(`Run #${outcome.run.id}: release ${outcome.release?.tag} created; ${outcome.handoff}`)));
  } else {
    const store = new RunStore(home.stateDb);
    const stage = (id: string) => store.stage(outcome.run.id, id);
    const [deploy, publish, promote] = [stage('deploy'), stage('publish'), stage('promote')];
    store.close();
    const release = outcome.release;
    const stopped = [deploy, promote].find((record) => record?.status === 'skipped' && !record.summary?.startsWith('not run:'));
    if (publish?.status === 'succeeded') out(green(bold(`Published ${release?.project} ${release?.version} (${release?.tag})`)));
    else if (promote?.status === 'succeeded') out(green(bold(`Run #${outcome.run.id}: ${release?.tag} promoted`)));
    else out(bold(`Run #${outcome.run.id}: ${release?.tag} not published${stopped?.summary ? `: ${stopped.summary}` : ''}`));
    for (const [service, image] of Object.entries(release?.images ?? {})) out(`  ${service.padEnd(10)} ${image.reference}`);
    const url = deploy?.status === 'succeeded' ? (deploy.outputs as { url?: string } | undefined)?.url : undefined;
    if (url) out(`  app running at ${url}`);
    if (promote?.summary && promote.status === 'succeeded') out(`  environments: ${promote.summary}`);
  }
  out(`  summary: ${join(runDir, 'summary.md')}   details: slipway show ${outcome.run.id}`);
}

/** The command's exit code for a run: 0 when it succeeded, 2 when Slipway could not run, else 1. */
export function exitCodeFor(outcome: PipelineOutcome): number {
  return outcome.failures.reduce<number>((code, failure) => Math.max(code, failure.exitCode ?? 1), 0);
}
