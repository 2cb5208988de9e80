#!/usr/bin/env node
// A stand-in for the Lightkeeper CLI, for tests: put it on PATH as `lightkeeper` (a symlink).
// The real CLI's flags are not public; this is the contract Slipway's lightkeeper provider relies on.
//
//   lightkeeper create clusterconfig <cluster> --token-stdin
//     reads a Lightkeeper API token from standard input and prints the cluster's kubeconfig (YAML)
//     on stdout, exit 0. Errors go to stderr: a rejected token exits 1, an unknown cluster exits 3,
//     bad usage exits 2.
//   lightkeeper create clusterconfig <cluster>      (no token: needs a browser login)
//   lightkeeper login
//     print the device-login prompt on stderr and, with no browser to complete it, exit 1.
//
// Test knobs (environment):
//   LIGHTKEEPER_STANDIN_VALID_TOKEN  the token it accepts (unset: it accepts none)
//   LIGHTKEEPER_STANDIN_SERVER       the API server URL in the kubeconfig (default https://<cluster>.k8s.lightkeeper.example:6443)
//   LIGHTKEEPER_STANDIN_CLUSTERS     comma-separated clusters that exist (default nonprod,staging,prod)
//   LIGHTKEEPER_STANDIN_DELAY_MS     wait this long before answering (as if waiting for the login or the API)
//   LIGHTKEEPER_STANDIN_OUTPUT       print this instead of the kubeconfig (a CLI printing something else)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const env = process.env;
const args = process.argv.slice(2);
const clusters = (env.LIGHTKEEPER_STANDIN_CLUSTERS ?? 'nonprod,staging,prod')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const delay = () => new Promise((done) => setTimeout(done, Number(env.LIGHTKEEPER_STANDIN_DELAY_MS ?? 0)));

function fail(code, message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(code);
}

async function requireBrowserLogin() {
  process.stderr.write('You are not logged in to Lightkeeper.\n');
  process.stderr.write('To sign in, open https://login.lightkeeper.example/device and enter code ABCD-1234\n');
  process.stderr.write('Waiting for the browser login to complete...\n');
  await delay();
  fail(1, 'login required: the browser login was not completed');
}

function kubeconfig(cluster, token) {
  const server = env.LIGHTKEEPER_STANDIN_SERVER ?? `https://${cluster}.k8s.lightkeeper.example:6443`;
  // A session credential derived from the API token, as a real CLI would exchange it; never the token itself.
  const session = `lk-session-${createHash('sha256').update(`${cluster}:${token}`).digest('hex').slice(0, 40)}`;
  const ca = Buffer.from(`-----BEGIN CERTIFICATE-----\nstand-in CA for ${cluster}\n-----END CERTIFICATE-----\n`).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    `- name: lightkeeper-${cluster}`,
    '  user:',
    `    token: ${session}`,
    'contexts:',
    `- name: ${cluster}`,
    '  context:',
    `    cluster: ${cluster}`,
    `    user: lightkeeper-${cluster}`,
    '    namespace: default',
    `current-context: ${cluster}`,
    '',
  ].join('\n');
}

async function createClusterconfig(rest) {
  const tokenStdin = rest.includes('--token-stdin');
  const positional = rest.filter((arg) => !arg.startsWith('--'));
  const unknown = rest.filter((arg) => arg.startsWith('--') && arg !== '--token-stdin');
  if (unknown.length > 0) fail(2, `unknown flag ${unknown[0]}`);
  if (positional.length !== 1) fail(2, 'usage: lightkeeper create clusterconfig <cluster> [--token-stdin]');
  const cluster = positional[0];
  if (!tokenStdin) return requireBrowserLogin();
  const token = readFileSync(0, 'utf8').trim();
  if (!token) fail(2, '--token-stdin was given but standard input was empty');
  await delay();
  // Like many real CLIs, it echoes what it was given: the caller must redact it.
  if (token !== env.LIGHTKEEPER_STANDIN_VALID_TOKEN)
    fail(1, `authentication failed (401 Unauthorized): token ${token} is invalid or expired`);
  if (!clusters.includes(cluster)) fail(3, `cluster "${cluster}" not found; clusters you can access: ${clusters.join(', ')}`);
  process.stdout.write(env.LIGHTKEEPER_STANDIN_OUTPUT ?? kubeconfig(cluster, token));
}

const [command, subcommand, ...rest] = args;
if (command === '--version') process.stdout.write('lightkeeper 0.0.0-standin\n');
else if (command === 'login') await requireBrowserLogin();
else if (command === 'create' && subcommand === 'clusterconfig') await createClusterconfig(rest);
else fail(2, `unknown command "${args.join(' ')}"; usage: lightkeeper create clusterconfig <cluster> [--token-stdin] | lightkeeper login`);
