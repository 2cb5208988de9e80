import { describe, expect, it } from 'vitest';
import { matchRoute } from './router.mjs';
import { planRoutes } from './routes.ts';

describe('planRoutes', () => {
  it('maps every prefix of every service to its port', () => {
    expect(
      planRoutes('v1', [
        { name: 'frontend', port: 3001, routes: ['/'] },
        { name: 'backend', port: 3002, routes: ['/api', '/auth'] },
      ]),
    ).toEqual({
      revision: 'v1',
      routes: [
        { prefix: '/', service: 'frontend', port: 3001 },
        { prefix: '/api', service: 'backend', port: 3002 },
        { prefix: '/auth', service: 'backend', port: 3002 },
      ],
    });
  });
  it('refuses two services claiming one prefix', () => {
    expect(() =>
      planRoutes('v1', [
        { name: 'frontend', port: 1, routes: ['/'] },
        { name: 'backend', port: 2, routes: ['/'] },
      ]),
    ).toThrow('services frontend and backend both claim the route /');
  });
});

describe('matchRoute', () => {
  const routes = [{ prefix: '/' }, { prefix: '/api' }, { prefix: '/api/admin/' }];
  it('picks the longest prefix on a path-segment boundary', () => {
    expect(matchRoute(routes, '/')?.prefix).toBe('/');
    expect(matchRoute(routes, '/index.html')?.prefix).toBe('/');
    expect(matchRoute(routes, '/api')?.prefix).toBe('/api');
    expect(matchRoute(routes, '/api/items')?.prefix).toBe('/api');
    expect(matchRoute(routes, '/apiary')?.prefix).toBe('/');
    expect(matchRoute(routes, '/api/admin/users')?.prefix).toBe('/api/admin/');
    expect(matchRoute([{ prefix: '/api' }], '/other')).toBeUndefined();
  });
});
