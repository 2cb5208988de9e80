import type { Config } from './schema.ts';

/** The environment a run deploys to: the first one declared (nonprod); later ones are promotions. */
export function targetEnvironment(config: Config): string {
  return Object.keys(config.environments)[0];
}
