// Preloaded (`node --import`) into the `slipway ci --merge` that bench/shard.ts measures: on exit it
// writes the process's CPU time, Node's own start and the merge's phase marks (performance.mark
// in src/run/shard-merge.ts) to the file SLIPWAY_BENCH_PHASES names. A preload, so product code
// never reads the variable.
import { writeFileSync } from 'node:fs';

const file = process.env.SLIPWAY_BENCH_PHASES;
// Milliseconds from the process's start until this preload runs: Node's own start.
const nodeStartMs = performance.now();
if (file)
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    const marks = performance.getEntriesByType('mark').map(({ name, startTime }) => ({ name, at: startTime }));
    writeFileSync(file, JSON.stringify({ nodeStartMs, exitMs: performance.now(), cpuMs: (user + system) / 1000, marks }));
  });
