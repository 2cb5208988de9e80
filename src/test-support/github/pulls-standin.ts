import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** GitHub's own example of a created pull request: every answer is made from it, so its shape is GitHub's. */
const example = (
  JSON.parse(readFileSync(new URL('contract-examples.json', import.meta.url), 'utf8')) as { rest: Record<string, Record<string, unknown>> }
).rest['POST /repos/{owner}/{repo}/pulls 201'];

export interface OpenedPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
}

/**
 * The pull-request endpoints of one GitHub repository, for a GitOps review test: list (filtered by
 * `head` and `state`) and create. Requests must carry `token`. Put the contract proxy in front of
 * it to hold both sides to GitHub's description. `refuse` makes creation answer GitHub's 422.
 */
export async function startPullsStandin(repository: string, token: string) {
  const pulls: OpenedPull[] = [];
  const state = { refuse: undefined as string | undefined };
  const [owner] = repository.split('/');
  const collection = `/repos/${repository}/pulls`;
  const asGitHub = (pull: OpenedPull, url: string) => {
    const ref = (base: Record<string, unknown>, name: string) => ({ ...base, ref: name, label: `${owner}:${name}` });
    return {
      ...example,
      number: pull.number,
      title: pull.title,
      body: pull.body,
      html_url: `${url}/${repository}/pull/${pull.number}`,
      // Nobody is asked to review: GitHub's example lists a team in an older shape than its schema's.
      requested_teams: [],
      head: ref(example.head as Record<string, unknown>, pull.head),
      base: ref(example.base as Record<string, unknown>, pull.base),
    };
  };
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    void readJson(request).then((body) => {
      const url = new URL(request.url ?? '/', 'http://standin');
      const site = `http://${request.headers.host}`;
      if (request.headers.authorization !== `token ${token}`) return send(401, { message: 'Bad credentials', status: '401' });
      if (url.pathname !== collection) return send(404, { message: 'Not Found', status: '404' });
      if (request.method === 'GET') {
        const head = url.searchParams.get('head');
        const listed = pulls.filter((pull) => !head || `${owner}:${pull.head}` === head);
        return send(
          200,
          listed.map((pull) => asGitHub(pull, site)),
        );
      }
      if (request.method === 'POST') {
        if (state.refuse) {
          return send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message: state.refuse }],
            documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            status: '422',
          });
        }
        const pull = {
          number: pulls.length + 1,
          head: String(body.head),
          base: String(body.base),
          title: String(body.title),
          body: String(body.body),
        };
        pulls.push(pull);
        return send(201, asGitHub(pull, site));
      }
      return send(404, { message: 'Not Found', status: '404' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pulls,
    /** Makes every creation answer 422 with this message (e.g. "No commits between main and …"). */
    refuse: (message: string) => void (state.refuse = message),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
