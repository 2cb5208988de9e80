/**
 * `npm run bench:demo`: `slipway demo` cold (fresh home: empty caches, empty registry) and warm
 * (same home), timed end to end through the real CLI. Prints both and the warm/cold ratio.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../src/shared/exec.ts';

const cli = fileURLToPath(new URL('../bin/slipway.js', import.meta.url));
const home = await mkdtemp(join(tmpdir(), 'slipway-bench-demo-'));

async function demo(label: string): Promise<number> {
  const result = await exec(process.execPath, [cli, 'demo', '--home', home], { env: { ...process.env, NO_COLOR: '1' } });
  if (result.code !== 0) {
    process.stderr.write(result.output);
    throw new Error(`${label} demo failed`);
  }
  const stages = result.stderr
    .split('\n')
    .filter((line) => /^✔ /.test(line))
    .map((line) => line.replace(/^✔ (\S+).*\((\S+)\)$/, '$1 $2'));
  process.stdout.write(`${label}: ${(result.durationMs / 1000).toFixed(1)} s  [${stages.join(', ')}]\n`);
  return result.durationMs;
}

try {
  process.stdout.write(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}\n`);
  const cold = await demo('cold');
  const warm = await demo('warm');
  process.stdout.write(`demo cold ${(cold / 1000).toFixed(1)} s, warm ${(warm / 1000).toFixed(1)} s\n`);
  process.stdout.write(`demo warm/cold ratio: ${(warm / cold).toFixed(2)}\n`);
} finally {
  await exec(process.execPath, [cli, 'env', 'down', '--home', home]);
  await rm(home, { recursive: true, force: true });
}
