/** Names whose values are credentials by convention, e.g. PGPASSWORD, AWS_SECRET_ACCESS_KEY. */
const secretName = /PASSWORD|SECRET|TOKEN|KEY/i;

/** A URL that carries a password, e.g. postgres://user:pass@host/db. */
function hasCredentials(value: string): boolean {
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/**
 * The names in a resource environment whose values must be treated as secrets: kept out of logs,
 * feedback and state, and delivered to services through a Secret rather than plain env.
 */
export function resourceSecretNames(env: Record<string, string>): string[] {
  return Object.keys(env)
    .filter((name) => secretName.test(name) || hasCredentials(env[name]))
    .sort();
}
