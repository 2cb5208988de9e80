import type { Config } from '../../config/schema.ts';
import { Failure } from '../../shared/feedback/failure.ts';
import type { Forge } from './forge.ts';
import { gitHubClient, type GitHubAuth } from './github/client.ts';
import { GitHubFeedback } from './github/github-feedback.ts';
import { GitHubForge } from './github/github-forge.ts';
import { startLocalGitHub, type DeliveryRecord, type LocalGitHub, type Webhook } from './local/server.ts';

export interface OpenedForge {
  forge: Forge;
  /** Where a run's checks, statuses, deployments and pull-request comment go. */
  feedback: GitHubFeedback;
  /** Waits for the embedded forge's webhook deliveries; returns those that failed (none on GitHub, which delivers on its own). */
  settle(): Promise<DeliveryRecord[]>;
  close(): Promise<void>;
}

export interface OpenForgeOptions {
  forge: Config['forge'];
  project: string;
  /** Where the embedded forge keeps this repository's releases. */
  embeddedDir: string;
  /** Where the embedded forge delivers its events (GitHub's are configured on GitHub). */
  hooks: Webhook[];
  env: NodeJS.ProcessEnv;
  addSecret: (value: string | undefined) => void;
  onWait?: (message: string) => void;
}

/** The repository name the embedded forge gives a project. */
export function embeddedRepository(project: string): string {
  return `slipway/${project.replace(/[^A-Za-z0-9._-]/g, '-')}`;
}

/**
 * The run's forge: GitHub with the configured credentials, or the embedded loopback forge,
 * started here. Both are driven by the same Octokit adapter.
 */
export async function openForge(options: OpenForgeOptions): Promise<OpenedForge> {
  const { forge: settings } = options;
  if (settings.kind === 'local') {
    const embedded: LocalGitHub = await startLocalGitHub({
      dir: options.embeddedDir,
      repository: embeddedRepository(options.project),
      hooks: options.hooks,
    });
    options.addSecret(embedded.token);
    // The loopback forge has no rate limits: pacing writes a second apart would only slow the run.
    const client = gitHubClient({ baseUrl: embedded.url, auth: { token: embedded.token }, throttle: false, onWait: options.onWait });
    return {
      forge: new GitHubForge(client, embedded.repository),
      feedback: new GitHubFeedback(client, embedded.repository),
      settle: async () => {
        await embedded.idle();
        return embedded.failedDeliveries();
      },
      close: () => embedded.close(),
    };
  }
  const client = gitHubClientOf(settings, options.env, options.addSecret, options.onWait);
  return {
    forge: new GitHubForge(client, settings.repository),
    feedback: new GitHubFeedback(client, settings.repository),
    settle: async () => [],
    close: async () => undefined,
  };
}

/** GitHub's feedback channel alone, for a command that reports or reads without a run's adapters. */
export function openGitHubFeedback(
  settings: GitHubSettings,
  env: NodeJS.ProcessEnv,
  addSecret: (value: string | undefined) => void,
): GitHubFeedback {
  return new GitHubFeedback(gitHubClientOf(settings, env, addSecret), settings.repository);
}

export type GitHubSettings = Extract<Config['forge'], { kind: 'github' }>;

/** The client for a configured GitHub, its credential masked from then on. */
export function gitHubClientOf(
  settings: GitHubSettings,
  env: NodeJS.ProcessEnv,
  addSecret: (value: string | undefined) => void,
  onWait?: (message: string) => void,
) {
  const auth = gitHubAuth(settings, env);
  addSecret('token' in auth ? auth.token : auth.privateKey);
  return gitHubClient({ baseUrl: settings.baseUrl, auth, onWait });
}

function gitHubAuth(settings: GitHubSettings, env: NodeJS.ProcessEnv): GitHubAuth {
  if (settings.app) {
    const privateKey = env[settings.app.privateKeyEnv];
    if (!privateKey) {
      throw new Failure(`forge.app.privateKeyEnv names ${settings.app.privateKeyEnv}, which is not set`, {
        hint: `set ${settings.app.privateKeyEnv} to the GitHub App's private key (PEM), e.g. from a repository secret`,
      });
    }
    return { appId: settings.app.appId, installationId: settings.app.installationId, privateKey };
  }
  const token = env[settings.tokenEnv];
  if (!token) {
    throw new Failure(
      `forge.tokenEnv names ${settings.tokenEnv}, which is not set: Slipway cannot reach ${settings.repository} on GitHub`,
      {
        hint: `in GitHub Actions: env: ${settings.tokenEnv}: \${{ secrets.GITHUB_TOKEN }}; elsewhere a fine-grained token with contents, checks, statuses, deployments and pull-requests write access`,
      },
    );
  }
  return { token };
}
