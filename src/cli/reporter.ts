import type { PipelineEvent } from '../engine/events.ts';
import { feedbackAnnotations, inGitHubActions, workflowCommand } from '../shared/feedback/sinks/github-actions.ts';
import { renderFeedback, dim, green, red, yellow, bold } from '../shared/feedback/sinks/terminal.ts';

/**
 * Streams pipeline events to a terminal: one line per stage with its timing, feedback in full.
 * Inside a GitHub Actions job, failures and warnings are also workflow commands on stdout, so
 * they show as annotations at their file and line.
 */
export function terminalReporter(opts: {
  verbose: boolean;
  write?: (text: string) => void;
  /** Where workflow commands go; default stdout inside GitHub Actions, nowhere elsewhere. */
  actions?: (line: string) => void;
}): (event: PipelineEvent) => void {
  const write = opts.write ?? ((text: string) => process.stderr.write(text + '\n'));
  const actions = opts.actions ?? (inGitHubActions() ? actionsCommands : undefined);
  return (event) => {
    switch (event.type) {
      case 'stage-start':
        write(dim(`▶ ${event.stage.padEnd(11)} ${event.title}…`));
        break;
      case 'stage-log':
        if (opts.verbose) write(dim(`  ${event.stage} │ ${event.line}`));
        break;
      case 'stage-end': {
        const mark = { succeeded: green('✔'), failed: red('✖'), skipped: yellow('–') }[event.status];
        const time = event.resumed ? 'resumed' : `${(event.durationMs / 1000).toFixed(1)}s`;
        write(`${mark} ${bold(event.stage.padEnd(11))} ${event.summary} ${dim(`(${time})`)}`);
        break;
      }
      case 'feedback':
        write('\n' + renderFeedback(event.feedback) + '\n');
        if (actions) for (const command of feedbackAnnotations(event.feedback)) actions(command);
        break;
      case 'notice':
        write(event.level === 'warning' ? yellow(`⚠ ${event.message}`) : dim(`  ${event.message}`));
        if (event.level === 'warning') actions?.(workflowCommand('warning', { title: 'Slipway' }, event.message));
        break;
    }
  };
}

/** Workflow commands go to stdout, where the runner reads them. */
export function actionsCommands(line: string): void {
  process.stdout.write(line + '\n');
}
