import { join } from 'node:path';
import type { Home } from '../home/home.ts';
import type { PipelineOutcome } from '../pipeline/pipeline.ts';
import { bold, green, red } from '../feedback/sinks/terminal.ts';
import { RunStore } from '../state/store.ts';

/** The closing lines of a run: what was released and where it runs, or where the feedback is. */
export function printOutcome(outcome: PipelineOutcome, home: Home): void {
  const out = (line: string) => process.stdout.write(line + '\n');
  const runDir = home.runDir(outcome.run.id);
  if (outcome.failures.length) {
    out(red(bold(`Run #${outcome.run.id} failed: ${outcome.failures.map((f) => f.message).join('; ')}`)));
  } else if (outcome.run.trigger === 'ci') {
    out(green(bold(`Run #${outcome.run.id}: built and tested`)));
  } else if (outcome.releaseHandedOff) {
    out(green(bold(`Run #${outcome.run.id}: release ${outcome.release?.tag} created; its webhook went to slipway serve`)));
  } else {
    const store = new RunStore(home.stateDb);
    const deploy = store.stage(outcome.run.id, 'deploy')?.outputs as { url?: string } | undefined;
    store.close();
    out(green(bold(`Published ${outcome.release?.project} ${outcome.release?.version} (${outcome.release?.tag})`)));
    for (const [service, image] of Object.entries(outcome.release?.images ?? {})) out(`  ${service.padEnd(10)} ${image.reference}`);
    if (deploy?.url) out(`  app running at ${deploy.url}`);
  }
  out(`  summary: ${join(runDir, 'summary.md')}   details: slipway show ${outcome.run.id}`);
}
