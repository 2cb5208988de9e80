import { join } from 'node:path';
import { Failure } from '../../shared/feedback/failure.ts';
import { gitOrUndefined } from '../../shared/git.ts';
import { readManifestFile } from '../../shared/json-files.ts';

/**
 * The package.json files of a checkout that are not valid JSON (node_modules aside): what a
 * workspace tool failing on "Unexpected token" without a file name was reading.
 */
export async function malformedManifests(rootDir: string): Promise<Failure[]> {
  const listed = await gitOrUndefined(rootDir, [
    'ls-files',
    '-z',
    '--cached',
    '--others',
    '--exclude-standard',
    '--',
    'package.json',
    '*/package.json',
  ]);
  const paths = (listed ?? '').split('\0').filter((path) => path && !path.split('/').includes('node_modules'));
  const problems = await Promise.all(
    paths.map((path) =>
      readManifestFile(join(rootDir, path), path).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ),
  );
  return problems.filter((problem): problem is Failure => problem instanceof Failure);
}
