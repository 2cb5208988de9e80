/**
 * `npm run refresh:github-contract`: cuts the part of GitHub's REST and webhook descriptions that
 * Slipway uses out of Octokit's packages, into src/test-support/github/ (the contract tests read
 * those files; see contract.ts). The packages are big (hundreds of MB), so they are installed into
 * a temporary directory for the refresh and never become dependencies.
 *
 * Adding an operation or an event: one line below, then run this script and commit the files.
 * A package version can be pinned with an argument: `npm run refresh:github-contract --
 * @octokit/openapi@23.0.2`; without one, the latest versions are used.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { exec } from '../src/shared/exec.ts';
import { writeFileAtomic } from '../src/shared/fs.ts';
import { componentClosure, isObject, withoutAnnotations, type Json, type JsonObject } from './github-contract/extract.ts';

/** The REST operations Slipway calls, as `METHOD /path/template` in GitHub's description. */
const restOperations = [
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/releases',
  'POST /repos/{owner}/{repo}/releases',
  'GET /repos/{owner}/{repo}/releases/{release_id}',
  'PATCH /repos/{owner}/{repo}/releases/{release_id}',
  'GET /repos/{owner}/{repo}/releases/tags/{tag}',
  'GET /repos/{owner}/{repo}/releases/{release_id}/assets',
  'POST /repos/{owner}/{repo}/releases/{release_id}/assets',
  'GET /repos/{owner}/{repo}/releases/assets/{asset_id}',
  'DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}',
  'POST /repos/{owner}/{repo}/check-runs',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  'POST /repos/{owner}/{repo}/statuses/{sha}',
  'GET /repos/{owner}/{repo}/deployments',
  'POST /repos/{owner}/{repo}/deployments',
  'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/dispatches',
  'POST /repos/{owner}/{repo}/git/refs',
  'GET /repos/{owner}/{repo}/git/ref/{ref}',
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/pulls',
];

/**
 * The webhook deliveries Slipway sends or receives, as `event.action` (or the event alone, for
 * events without actions), each with its key in the webhooks description. GitHub describes
 * repository_dispatch once, under a sample action: its `action` is whatever `event_type` the
 * dispatch named.
 */
const webhookEvents: Record<string, string> = {
  'release.created': 'release-created',
  'release.published': 'release-published',
  'release.prereleased': 'release-prereleased',
  'release.edited': 'release-edited',
  push: 'push',
  'pull_request.opened': 'pull-request-opened',
  'pull_request.synchronize': 'pull-request-synchronize',
  'pull_request.reopened': 'pull-request-reopened',
  'pull_request.closed': 'pull-request-closed',
  repository_dispatch: 'repository-dispatch-sample.collected',
  workflow_dispatch: 'workflow-dispatch',
  'check_run.created': 'check-run-created',
  'check_run.completed': 'check-run-completed',
  'deployment_status.created': 'deployment-status-created',
};

/**
 * Real payloads and responses for the contract's own tests: GitHub's examples from the
 * descriptions, and for webhooks the description carries none of (release), the first delivery
 * recorded for it in @octokit/webhooks-examples.
 */
const restExamples = [
  'POST /repos/{owner}/{repo}/releases 201',
  'POST /repos/{owner}/{repo}/check-runs 201',
  'POST /repos/{owner}/{repo}/pulls 201',
];
const webhookExamples = ['release.created', 'check_run.created'];

const packages = { rest: '@octokit/openapi', webhooks: '@octokit/openapi-webhooks', webhookPayloads: '@octokit/webhooks-examples' };
const outputDir = fileURLToPath(new URL('../src/test-support/github/', import.meta.url));

async function main(): Promise<void> {
  const pinned = new Map(process.argv.slice(2).map((spec) => [pinnedName(spec), spec]));
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-github-contract-'));
  try {
    const specs = Object.values(packages).map((name) => pinned.get(name) ?? `${name}@latest`);
    console.log(`Installing ${specs.join(', ')} into ${scratch} ...`);
    const install = await exec('npm', [
      'install',
      '--no-save',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefix',
      scratch,
      ...specs,
    ]);
    if (install.code !== 0) throw new Error(`npm install failed (exit ${install.code}):\n${install.output}`);
    const modules = join(scratch, 'node_modules');
    const rest = await loadDescription(modules, packages.rest);
    const webhooks = await loadDescription(modules, packages.webhooks);
    const payloads = await loadWebhookPayloads(modules);

    await writeContract('rest-contract.json', restContract(rest));
    await writeContract('webhook-contract.json', webhookContract(webhooks));
    await writeContract('contract-examples.json', {
      rest: Object.fromEntries(restExamples.map((key) => [key, restExample(rest.document, key)])),
      webhooks: Object.fromEntries(webhookExamples.map((key) => [key, webhookExample(webhooks.document, payloads, key)])),
      source: { rest: rest.source, webhooks: webhooks.source, webhookPayloads: payloads.source },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The package a `name@version` argument pins; anything else is a usage error. */
function pinnedName(spec: string): string {
  const name = spec.slice(0, spec.lastIndexOf('@'));
  if (!Object.values(packages).includes(name)) {
    throw new Error(`${spec}: pin one of ${Object.values(packages).join(', ')} as name@version`);
  }
  return name;
}

interface Description {
  document: JsonObject;
  source: { package: string; version: string; file: string; openapi: string };
}

async function loadDescription(modules: string, name: string): Promise<Description> {
  const file = 'generated/api.github.com.json';
  const document = JSON.parse(await readFile(join(modules, name, file), 'utf8')) as JsonObject;
  return { document, source: { package: name, version: await packageVersion(modules, name), file, openapi: String(document.openapi) } };
}

async function packageVersion(modules: string, name: string): Promise<string> {
  return (JSON.parse(await readFile(join(modules, name, 'package.json'), 'utf8')) as { version: string }).version;
}

function restContract({ document, source }: Description): JsonObject {
  const allPaths = document.paths as JsonObject;
  const paths: Record<string, JsonObject> = {};
  for (const line of restOperations) {
    const [method, path] = line.split(' ');
    const item = allPaths[path];
    const operation = isObject(item) ? item[method.toLowerCase()] : undefined;
    if (!isObject(operation)) throw new Error(`${line} is not an operation in ${source.package}@${source.version}`);
    // Parameters shared by every method of a path are merged in, so each operation stands alone.
    const shared = isObject(item) && Array.isArray(item.parameters) ? item.parameters : [];
    const { parameters = [], requestBody, responses, servers, operationId } = operation;
    (paths[path] ??= {})[method.toLowerCase()] = withoutAnnotations({
      operationId,
      ...(servers === undefined ? {} : { servers }),
      parameters: [...shared, ...(parameters as Json[])],
      ...(requestBody === undefined ? {} : { requestBody }),
      responses,
    } as JsonObject);
  }
  return { source, paths, components: componentClosure(document, Object.values(paths)) };
}

function webhookContract({ document, source }: Description): JsonObject {
  const all = document.webhooks as JsonObject;
  const events: JsonObject = {};
  for (const [event, key] of Object.entries(webhookEvents)) {
    const hook = all[key];
    const post = isObject(hook) && isObject(hook.post) ? hook.post : undefined;
    const body = post && isObject(post.requestBody) ? post.requestBody : undefined;
    const content = body && isObject(body.content) ? body.content['application/json'] : undefined;
    if (!post || !isObject(content) || content.schema === undefined)
      throw new Error(`${key} is not a webhook in ${source.package}@${source.version}`);
    // The headers GitHub's description says every delivery of the event carries.
    const headers = (Array.isArray(post.parameters) ? post.parameters : [])
      .filter((parameter): parameter is JsonObject => isObject(parameter) && parameter.in === 'header' && parameter.required === true)
      .map((parameter) => String(parameter.name).toLowerCase());
    events[event] = { webhook: key, headers, schema: withoutAnnotations(content.schema) };
  }
  return { source, events, components: componentClosure(document, Object.values(events)) };
}

/** The example GitHub gives for an operation's response, `METHOD /path STATUS`. */
function restExample(document: JsonObject, key: string): Json {
  const [method, path, status] = key.split(' ');
  const responses = ((document.paths as JsonObject)[path] as JsonObject)[method.toLowerCase()] as JsonObject;
  const content = (((responses.responses as JsonObject)[status] as JsonObject).content as JsonObject)['application/json'] as JsonObject;
  const example = Object.values(content.examples as JsonObject)[0] as JsonObject;
  return resolveExample(document, example);
}

function resolveExample(document: JsonObject, example: JsonObject): Json {
  if (typeof example.$ref !== 'string') return example.value;
  const name = example.$ref.replace('#/components/examples/', '');
  return (((document.components as JsonObject).examples as JsonObject)[name] as JsonObject).value;
}

interface WebhookPayloads {
  byEvent: Map<string, JsonObject[]>;
  source: { package: string; version: string };
}

async function loadWebhookPayloads(modules: string): Promise<WebhookPayloads> {
  const name = packages.webhookPayloads;
  const index = JSON.parse(await readFile(join(modules, name, 'api.github.com/index.json'), 'utf8')) as {
    name: string;
    examples: JsonObject[];
  }[];
  return {
    byEvent: new Map(index.map((entry) => [entry.name, entry.examples])),
    source: { package: name, version: await packageVersion(modules, name) },
  };
}

/** A delivery for `event.action`: GitHub's own example where the description has one, else a recorded one. */
function webhookExample(document: JsonObject, payloads: WebhookPayloads, key: string): Json {
  const [event, action] = key.split('.');
  const described = ((document.components as JsonObject).examples as JsonObject)[webhookEvents[key]];
  if (isObject(described)) return described.value;
  const recorded = payloads.byEvent.get(event)?.find((payload) => payload.action === action);
  if (!recorded) throw new Error(`no example delivery for ${key} in ${payloads.source.package}@${payloads.source.version}`);
  return recorded;
}

/** Written as Prettier formats it, so `npm run lint` accepts it and a refresh's diff shows what changed upstream. */
async function writeContract(name: string, content: Json): Promise<void> {
  const path = join(outputDir, name);
  const text = await format(JSON.stringify(content), { ...(await resolveConfig(path)), filepath: path });
  await writeFileAtomic(path, text);
  console.log(`${name}: ${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`);
}

await main().catch((error: Error) => {
  console.error(`refresh-github-contract: ${error.message}`);
  process.exitCode = 1;
});
