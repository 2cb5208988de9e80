import { join } from 'node:path';
import { repositoryKey, type Home } from '../../shared/home.ts';
import { LocalForge, type Webhook } from './local-forge.ts';

/** One forge per repository: the stand-in for that repository's releases on GitHub. */
export function repositoryForge(home: Home, project: string, repoDir: string, webhooks: Webhook[] = []): LocalForge {
  return new LocalForge({ dir: join(home.forgeDir, repositoryKey(project, repoDir)), webhooks });
}
