import type { Config } from './schema.ts';

/** Names that say their value is a secret: NPM_TOKEN, AWS_SECRET_ACCESS_KEY, PGPASSWORD, GOOGLE_CREDENTIALS. */
const secretName = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|PASS|KEY|CREDENTIALS?|AUTH)(_|$)|PASSWORD|SECRET|TOKEN/i;

export function looksSecret(name: string): boolean {
  return secretName.test(name);
}

/**
 * The values a run must mask wherever they would appear (logs, feedback, state, the terminal):
 * every declared task variable not marked public, every variable the configuration lists as a
 * secret, the Slack webhook's URL, and every variable of the environment whose name says it is
 * one (a task marked public with such a name included). Values that are unset are not secrets of
 * this run.
 */
export function secretValues(
  config: { tasks: Pick<Config['tasks'], 'env'> } & Pick<Config, 'secrets'> & Partial<Pick<Config, 'notify'>>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const names = new Set([
    ...config.tasks.env.filter((variable) => !variable.public).map((variable) => variable.name),
    ...config.secrets,
    ...(config.notify?.slack ? [config.notify.slack.webhookUrlEnv] : []),
    ...Object.keys(env).filter(looksSecret),
  ]);
  return [...names].flatMap((name) => (env[name] ? [env[name]!] : []));
}
