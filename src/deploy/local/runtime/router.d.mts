/** Types for router.mjs, which stays plain JavaScript so a detached `node` runs it without tsx. */
export interface RouteEntry {
  prefix: string;
  service: string;
  port: number;
}
export function matchRoute<T extends { prefix: string }>(routes: T[], path: string): T | undefined;
