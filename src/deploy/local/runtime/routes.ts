import { Failure } from '../../../shared/feedback/failure.ts';
import type { RouteEntry } from './router.mjs';

/** What the router reads: the revision it serves and where each path prefix goes. */
export interface RoutesFile {
  revision: string;
  routes: RouteEntry[];
}

/** The routing table of a revision; two services claiming one prefix is a configuration error. */
export function planRoutes(revision: string, services: { name: string; port: number; routes: string[] }[]): RoutesFile {
  const routes: RouteEntry[] = [];
  for (const service of services) {
    for (const prefix of service.routes) {
      const owner = routes.find((route) => route.prefix === prefix);
      if (owner)
        throw new Failure(`services ${owner.service} and ${service.name} both claim the route ${prefix}`, {
          hint: 'Give each route prefix to exactly one service in slipway.config.',
        });
      routes.push({ prefix, service: service.name, port: service.port });
    }
  }
  return { revision, routes };
}
