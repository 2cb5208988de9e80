import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Copies a stage's artifacts (screenshots, traces) into the run's directory; returns their new paths. */
export async function keepArtifacts(files: string[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    files.map(async (file) => {
      const kept = join(dir, basename(file));
      await copyFile(file, kept);
      return kept;
    }),
  );
}
