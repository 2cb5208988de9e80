/** A parsed `WWW-Authenticate` header: the scheme and its parameters (realm, service, scope). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string | undefined): AuthChallenge | undefined {
  const match = header ? /^\s*(\w+)\s*(.*)$/.exec(header) : null;
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of match[2].matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[param[1].toLowerCase()] = param[2] ?? param[3];
  return { scheme: match[1].toLowerCase(), params };
}

/**
 * Token scopes ("repository:embark/backend:pull,push"), with the actions asked for the same
 * resource joined and sorted: one token must cover every repository a request touches (a mount
 * needs push on the target and pull on the source).
 */
export function mergeScopes(scopes: string[]): string[] {
  const actions = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const [, resource = scope, listed = ''] = /^([^:]+:.+):([^:]*)$/.exec(scope) ?? [];
    const known = actions.get(resource) ?? new Set<string>();
    for (const action of listed.split(',')) if (action) known.add(action);
    actions.set(resource, known);
  }
  return [...actions].map(([resource, known]) => (known.size > 0 ? `${resource}:${[...known].sort().join(',')}` : resource));
}

/**
 * The token endpoint URL for a bearer challenge: realm, service, and one `scope` parameter per
 * resource, covering both what the challenge names (space-separated) and what we need.
 */
export function tokenUrl(challenge: AuthChallenge, scopes: string[]): string {
  const url = new URL(challenge.params.realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  const challenged = challenge.params.scope?.split(' ').filter(Boolean) ?? [];
  for (const scope of mergeScopes([...challenged, ...scopes])) url.searchParams.append('scope', scope);
  return url.toString();
}
