import type { PipelineEvent } from '../engine/events.ts';
import { renderFeedback, dim, green, red, yellow, bold } from '../shared/feedback/sinks/terminal.ts';

/** Streams pipeline events to a terminal: one line per stage with its timing, feedback in full. */
export function terminalReporter(opts: { verbose: boolean; write?: (text: string) => void }): (event: PipelineEvent) => void {
  const write = opts.write ?? ((text: string) => process.stderr.write(text + '\n'));
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
        break;
      case 'notice':
        write(event.level === 'warning' ? yellow(`⚠ ${event.message}`) : dim(`  ${event.message}`));
        break;
    }
  };
}
