#!/usr/bin/env node
// Slipway runs from its TypeScript sources through tsx: no build step between a change and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
