import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import semver from 'semver';

/**
 * A loopback stand-in for the npm registry's bulk advisory endpoint
 * (POST /-/npm/v1/security/advisories/bulk), the one `npm audit` asks. It answers as the registry
 * does: for each package asked about, the advisories that affect any of the versions asked about,
 * each in the registry's shape (id, url, title, severity, vulnerable_versions, cwe, cvss).
 */

/** One advisory in the registry's shape. */
export interface RegistryAdvisory {
  id: number;
  url: string;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  cwe: string[];
  cvss: { score: number; vectorString: string | null };
}

/**
 * Advisories as the registry answered them for lodash 4.17.20 and minimist 1.2.0 (a recorded
 * answer of the real endpoint: ids, titles, ranges, severities and scores as npm gives them).
 */
export const knownAdvisories: Record<string, RegistryAdvisory[]> = {
  lodash: [
    {
      id: 1106913,
      url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      title: 'Command Injection in lodash',
      severity: 'high',
      vulnerable_versions: '<4.17.21',
      cwe: ['CWE-77', 'CWE-94'],
      cvss: { score: 7.2, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
    },
    {
      id: 1108258,
      url: 'https://github.com/advisories/GHSA-29mw-wpgm-hmr9',
      title: 'Regular Expression Denial of Service (ReDoS) in lodash',
      severity: 'moderate',
      vulnerable_versions: '>=4.0.0 <4.17.21',
      cwe: ['CWE-400', 'CWE-1333'],
      cvss: { score: 5.3, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' },
    },
  ],
  minimist: [
    {
      id: 1097678,
      url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
      title: 'Prototype Pollution in minimist',
      severity: 'critical',
      vulnerable_versions: '>=1.0.0 <1.2.6',
      cwe: ['CWE-1321'],
      cvss: { score: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
    },
  ],
};

/** How the service answers: as the registry, with a server error, or with something that is not advisories. */
export type AdvisoryServiceMode = 'answer' | 'server-error' | 'not-advisories';

export interface AdvisoryServiceStandIn {
  /** The registry's base URL, as npm's `registry` setting names it ("http://127.0.0.1:<port>/"). */
  registry: string;
  mode: AdvisoryServiceMode;
  /** The bodies of the bulk requests received. */
  requests: Record<string, string[]>[];
  close(): Promise<void>;
}

const BULK_PATH = '/-/npm/v1/security/advisories/bulk';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The registry's answer to a bulk request: each package's advisories that affect a version asked about. */
function answerFor(query: Record<string, string[]>, advisories: Record<string, RegistryAdvisory[]>): Record<string, RegistryAdvisory[]> {
  const answer: Record<string, RegistryAdvisory[]> = {};
  for (const [name, versions] of Object.entries(query)) {
    const affecting = (advisories[name] ?? []).filter((advisory) =>
      versions.some((version) => semver.satisfies(version, advisory.vulnerable_versions, { includePrerelease: true })),
    );
    if (affecting.length > 0) answer[name] = affecting;
  }
  return answer;
}

/** Starts the stand-in on loopback with its advisories (the recorded ones unless given). */
export async function startAdvisoryService(
  advisories: Record<string, RegistryAdvisory[]> = knownAdvisories,
): Promise<AdvisoryServiceStandIn> {
  const sockets = new Set<Socket>();
  const standIn: AdvisoryServiceStandIn = { registry: '', mode: 'answer', requests: [], close: async () => {} };
  const respond = (response: ServerResponse, status: number, body: string, type = 'application/json') => {
    response.writeHead(status, { 'content-type': type });
    response.end(body);
  };
  const server = createServer((request, response) => {
    void (async () => {
      if (request.url !== BULK_PATH) return respond(response, 404, JSON.stringify({ error: 'Not found' }));
      if (request.method !== 'POST') return respond(response, 405, '');
      let query: Record<string, string[]>;
      try {
        query = JSON.parse(await readBody(request)) as Record<string, string[]>;
      } catch {
        return respond(response, 400, JSON.stringify({ error: 'Invalid JSON body' }));
      }
      standIn.requests.push(query);
      if (standIn.mode === 'server-error') return respond(response, 503, 'Service Unavailable', 'text/plain');
      if (standIn.mode === 'not-advisories') return respond(response, 200, '<html>maintenance</html>', 'text/html');
      respond(response, 200, JSON.stringify(answerFor(query, advisories)));
    })();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return standIn;
}
