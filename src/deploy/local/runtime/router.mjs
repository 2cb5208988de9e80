// The environment's ingress: one loopback port whose URL stays the same across revisions. Routes
// requests by longest path prefix to the services of the revision named in the routes file, which
// the deploy replaces atomically; the file is checked on every request, so a request that arrives
// after the switch goes to the new revision. Plain JavaScript: `node` runs it without tsx.
import { statSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * The route whose prefix is the longest one matching the path on a segment boundary
 * ("/api" matches "/api" and "/api/x", never "/apix").
 * @param {{ prefix: string }[]} routes
 * @param {string} path
 */
export function matchRoute(routes, path) {
  const matches = (prefix) => prefix === '/' || path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  return routes.filter((route) => matches(route.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
}

const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

function withoutHopByHop(headers) {
  const result = { ...headers };
  for (const name of hopByHop) delete result[name];
  return result;
}

function serve(port, routesFile) {
  let table = { revision: undefined, routes: [] };
  let seen = '';
  const load = () => {
    try {
      const stat = statSync(routesFile);
      const identity = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
      if (identity !== seen) {
        table = JSON.parse(readFileSync(routesFile, 'utf8'));
        seen = identity;
      }
    } catch {
      // no revision deployed yet, or the file is mid-replace: keep the last table
    }
    return table;
  };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const { revision, routes } = load();
    const path = new URL(req.url ?? '/', 'http://router').pathname;
    const route = matchRoute(routes, path);
    if (!route) {
      res.writeHead(revision ? 404 : 503, { 'content-type': 'text/plain' });
      res.end(revision ? `No service of revision ${revision} serves ${path}\n` : 'No revision is deployed yet\n');
      return;
    }
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: route.port,
        method: req.method,
        path: req.url,
        agent,
        headers: {
          ...withoutHopByHop(req.headers),
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-host': req.headers.host ?? '',
          'x-forwarded-proto': 'http',
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...withoutHopByHop(answer.headers), 'x-slipway-revision': revision });
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain', 'x-slipway-revision': revision });
      res.end(`Bad gateway: service ${route.service} of revision ${revision} is not answering (${error.code ?? error.message})\n`);
    });
    req.pipe(upstream);
  });
  server.listen(port, '127.0.0.1', () => console.log(`router listening on http://127.0.0.1:${port}/ with routes from ${routesFile}`));
  server.on('error', (error) => {
    console.error(`router cannot listen on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  });
  const shutdown = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) serve(Number(process.argv[2]), process.argv[3]);
