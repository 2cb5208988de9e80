import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Failure } from '../shared/feedback/failure.ts';

/** A token shorter than this is guessable; `openssl rand -hex 32` gives 64 characters. */
export const minTokenLength = 32;

export const tokenVariable = 'SLIPWAY_DASHBOARD_TOKEN';

/** Whether an address only this machine can reach: 127.0.0.0/8, ::1, or the name localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '::ffff:127.0.0.1';
  return false;
}

/**
 * The token the API asks for, or why it may not listen there: off loopback, anyone who can reach
 * the address could read the runs, so a token is required; a token given is always required.
 */
export function accessFor(host: string, token: string | undefined): { token?: string } {
  if (isIP(host) === 0 && host !== 'localhost')
    throw new Failure(`--dashboard-host is "${host}", not an IP address`, {
      hint: 'give the address to listen on, e.g. 127.0.0.1 (the default) or 0.0.0.0 with SLIPWAY_DASHBOARD_TOKEN set',
    });
  if (token !== undefined && token !== '') {
    if (token.length < minTokenLength)
      throw new Failure(`${tokenVariable} is ${token.length} characters long; the dashboard needs at least ${minTokenLength}`, {
        hint: `make one with \`openssl rand -hex 32\``,
      });
    return { token };
  }
  if (!isLoopback(host))
    throw new Failure(`slipway serve will not open the dashboard API on ${host} without ${tokenVariable}`, {
      hint: `${host} is reachable from other machines: set ${tokenVariable} (e.g. \`openssl rand -hex 32\`) and send it as "Authorization: Bearer <token>", or leave --dashboard-host unset for 127.0.0.1`,
    });
  return {};
}

/**
 * Whether a request's Authorization header carries the token. Both sides are hashed first, so the
 * constant-time comparison sees equal lengths and the time taken says nothing about the token.
 */
export function authorized(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}
