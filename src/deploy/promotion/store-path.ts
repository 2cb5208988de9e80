import { join } from 'node:path';
import { repositoryKey, type Home } from '../../shared/home.ts';

/** Where a repository's releases stand in its environments, shared by its runs. */
export function promotionStorePath(home: Home, project: string, repoDir: string): string {
  return join(home.root, 'promotion', `${repositoryKey(project, repoDir)}.db`);
}
