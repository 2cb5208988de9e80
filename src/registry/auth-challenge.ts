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

/** The token endpoint URL for a bearer challenge (realm plus service and scope). */
export function tokenUrl(challenge: AuthChallenge, fallbackScope: string): string {
  const url = new URL(challenge.params.realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? fallbackScope);
  return url.toString();
}
