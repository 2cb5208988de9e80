/**
 * The service the runtime's tests put in their images: answers JSON naming its version and
 * service, /readyz per READY, echoes POST bodies, can crash on start (CRASH) or on request, and
 * closes cleanly on SIGTERM when GRACEFUL is set (without it, Node's default: SIGTERM ends it).
 */
export const testServerSource = `
import http from 'node:http';
import { existsSync } from 'node:fs';
const version = process.env.VERSION;
if (process.env.CRASH) {
  console.log('starting ' + version);
  console.error('boom: cannot connect to the database');
  process.exit(1);
}
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') {
    const ready = process.env.READY !== 'never';
    if (!ready) console.log('not ready yet: waiting for the cache to warm');
    res.writeHead(ready ? 200 : 503);
    return res.end();
  }
  if (req.url.endsWith('/crash')) {
    console.error('crashing on request');
    process.exit(3);
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      version, service: process.env.SERVICE, method: req.method, path: req.url, body: Buffer.concat(chunks).toString(),
      pid: process.pid, uid: process.getuid(), seesHostFiles: existsSync('/work'), secret: process.env.DB_PASSWORD !== undefined,
    }));
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log(version + ' listening on ' + process.env.PORT));
if (process.env.GRACEFUL) {
  process.on('SIGTERM', () => {
    console.log(version + ' closing on SIGTERM');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
`;
