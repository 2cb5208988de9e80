import { defaultPageSize, maxPageSize } from './queries.ts';

/**
 * The API's OpenAPI 3.1 description, served at /api/v1/openapi.json. Its schemas are JSON Schema
 * 2020-12 and close every object (`additionalProperties: false`), so the contract tests catch a
 * field the code answers with and this does not describe, as well as one it describes and the
 * code leaves out. `model.ts` holds the same shapes as TypeScript types.
 */

type Schema = Record<string, unknown>;

const text: Schema = { type: 'string' };
const nullableText: Schema = { type: ['string', 'null'] };
const time: Schema = { type: 'string', format: 'date-time' };
const nullableTime: Schema = { type: ['string', 'null'], format: 'date-time' };
const nullableMs: Schema = { type: ['integer', 'null'], minimum: 0 };
const texts: Schema = { type: 'array', items: text };
const digests: Schema = { type: 'object', additionalProperties: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An object whose every property is required (nullable ones say so by type). */
function record(properties: Record<string, Schema>, description?: string): Schema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

const schemas: Record<string, Schema> = {
  Error: record({
    error: { enum: ['bad-request', 'not-found', 'conflict', 'unauthorized', 'method', 'internal'] },
    message: text,
  }),
  Run: record({
    id: { type: 'integer', minimum: 1 },
    project: text,
    branch: text,
    commit: text,
    trigger: text,
    status: {
      enum: ['running', 'interrupted', 'waiting', 'succeeded', 'failed'],
      description: 'interrupted: recorded as running, but the process running it has stopped; `slipway resume <id>` carries it on',
    },
    startedAt: time,
    finishedAt: nullableTime,
    durationMs: nullableMs,
    release: { ...nullableText, description: 'The release the run created or carried on' },
    links: record({ self: text, events: text }),
  }),
  RunPage: record({
    runs: { type: 'array', items: ref('Run') },
    next: { ...nullableText, description: 'The next page (older runs) with the same filters; null on the last page' },
  }),
  Stage: record({
    stage: text,
    status: { enum: ['pending', 'running', 'succeeded', 'failed', 'skipped'] },
    startedAt: nullableTime,
    finishedAt: nullableTime,
    durationMs: nullableMs,
    summary: nullableText,
    links: record({ log: text }),
  }),
  Artifact: record({ name: text, stage: text, url: text }, 'A file a stage kept for its feedback (a screenshot, a trace)'),
  Location: {
    type: 'object',
    properties: { file: text, line: { type: 'integer' }, endLine: { type: 'integer' }, title: text, message: text },
    required: ['file', 'message'],
    additionalProperties: false,
  },
  Feedback: record(
    {
      stage: text,
      kind: { enum: ['failure', 'warning'] },
      message: { ...text, description: "The RFC's words for the failure, e.g. 'Unit tests failed'" },
      specific: text,
      details: texts,
      logExcerpt: texts,
      hint: nullableText,
      locations: { type: 'array', items: ref('Location') },
      artifacts: { type: 'array', items: ref('Artifact') },
      at: time,
      exitCode: { enum: [1, 2] },
    },
    'What a failing stage says: cause, file:line, the log lines around it',
  ),
  RunDetail: record({
    run: ref('Run'),
    stages: { type: 'array', items: ref('Stage') },
    feedback: { type: 'array', items: ref('Feedback') },
    artifacts: { type: 'array', items: ref('Artifact') },
  }),
  Log: record({ runId: { type: 'integer' }, stage: text, lines: texts, truncated: { type: 'boolean' } }),
  Image: record({
    service: text,
    repository: text,
    reference: { ...text, description: 'The pull reference, pinned by digest' },
    digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
    size: { type: 'integer', minimum: 0 },
    tags: texts,
    sbom: { ...nullableText, description: "The image's CycloneDX SBOM" },
  }),
  Release: record({
    tag: text,
    version: text,
    project: text,
    commit: text,
    createdAt: time,
    changelog: text,
    runId: { type: 'integer' },
    images: { type: 'array', items: ref('Image') },
    packages: { type: 'object', additionalProperties: text },
    links: record({ self: text, run: text }),
  }),
  ReleaseList: record({ releases: { type: 'array', items: ref('Release') } }),
  Promotion: record({
    release: text,
    status: { enum: ['queued', 'awaiting-approval', 'deploying', 'live', 'stable', 'failed', 'rolled-back', 'superseded'] },
    digests,
    detail: nullableText,
    supersededBy: nullableText,
    queuedAt: time,
    startedAt: nullableTime,
    liveAt: nullableTime,
    finishedAt: nullableTime,
    updatedAt: time,
  }),
  Waiting: record({
    release: text,
    status: { enum: ['queued', 'awaiting-approval'] },
    since: time,
    approveCommand: { ...nullableText, description: 'The exact command that lets the release through the gate' },
  }),
  Environment: record({
    name: text,
    gate: { enum: ['auto', 'manual'] },
    stableOnly: { type: 'boolean' },
    live: {
      oneOf: [{ type: 'null' }, record({ tag: text, version: text, commit: text, digests })],
    },
    history: { type: 'array', items: ref('Promotion'), description: "Every release's latest state here, newest release first" },
    waiting: { type: 'array', items: ref('Waiting') },
  }),
  Repository: record({
    project: text,
    repoDir: text,
    environments: { type: 'array', items: ref('Environment'), description: 'In promotion order' },
    problem: { ...nullableText, description: 'Why its environments could not be read' },
  }),
  Environments: record({ repositories: { type: 'array', items: ref('Repository') } }),
  Miss: record(
    {
      name: text,
      verdict: { enum: ['hit', 'first', 'changed'] },
      reasons: texts,
      because: { type: 'array', items: ref('Miss') },
    },
    "Why a package's build would come from cache (hit) or not, down to the dependencies that changed",
  ),
  Why: {
    type: 'object',
    description: 'What `slipway why <package> --json` prints, for the run',
    properties: {
      runId: { type: 'integer' },
      why: {
        type: 'object',
        properties: {
          package: text,
          hash: text,
          name: text,
          verdict: { enum: ['hit', 'first', 'changed'] },
          reasons: texts,
          because: { type: 'array', items: ref('Miss') },
          prerequisites: {
            type: 'array',
            items: record({ name: text, key: text, verdict: { enum: ['hit', 'first', 'changed', 'uncached'] }, reasons: texts }),
          },
          tests: {
            type: 'object',
            properties: {
              verdict: { enum: ['none', 'hit', 'first', 'changed'] },
              key: text,
              reasons: texts,
              testFilesOnly: { type: 'boolean' },
            },
            required: ['verdict', 'reasons', 'testFilesOnly'],
            additionalProperties: false,
          },
          config: record({
            overrides: texts,
            skipped: { type: 'boolean' },
            build: nullableText,
            test: nullableText,
            buildInputs: texts,
            testInputs: texts,
            prerequisites: {
              type: 'array',
              items: record({ package: text, script: text, after: texts, outputs: texts, cache: { type: 'boolean' } }),
            },
          }),
        },
        required: ['package', 'hash', 'name', 'verdict', 'reasons', 'because', 'prerequisites', 'tests', 'config'],
        additionalProperties: false,
      },
    },
    required: ['runId', 'why'],
    additionalProperties: false,
  },
};

const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: Schema) => ({ description, ...json(schema) });
/** Every operation may answer these: a parameter (or, without a token, a Host) refused, and a token missing. */
const errors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
};
const notFound = { '404': { description: 'No such run, stage, release or file', ...json(ref('Error')) } };
const runId = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Slipway dashboard API',
    version: '1.0.0',
    description:
      'Read-only: runs, releases and environments as `slipway serve` finds them in its home. On loopback it answers anyone on the machine; elsewhere every request needs the bearer token SLIPWAY_DASHBOARD_TOKEN.',
  },
  servers: [{ url: '/' }],
  security: [{}, { bearerAuth: [] }],
  paths: {
    '/api/v1/runs': {
      get: {
        operationId: 'listRuns',
        summary: 'Runs, newest first',
        parameters: [
          { name: 'branch', in: 'query', schema: text },
          { name: 'status', in: 'query', schema: (schemas.Run.properties as Record<string, Schema>).status },
          { name: 'release', in: 'query', schema: text, description: 'Runs that created or carried on this release' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: maxPageSize, default: defaultPageSize } },
          { name: 'before', in: 'query', schema: { type: 'integer', minimum: 1 }, description: 'Only runs older than this one' },
        ],
        responses: { '200': ok('A page of runs', ref('RunPage')), ...errors },
      },
    },
    '/api/v1/runs/{id}': {
      get: {
        operationId: 'getRun',
        summary: 'One run: its stages and their timings, its feedback and artifacts',
        parameters: [runId],
        responses: { '200': ok('The run', ref('RunDetail')), ...notFound, ...errors },
      },
    },
    '/api/v1/runs/{id}/events': {
      get: {
        operationId: 'streamRun',
        summary: "The run's changes as server-sent events",
        description:
          'First a `run` event with the run as it stands (a RunDetail), then a `stage` event (a Stage) for each stage that starts or ends and a `run` event when the run changes status; the stream ends with an `end` event once the run is no longer running.',
        parameters: [runId],
        responses: {
          '200': { description: 'An event stream', content: { 'text/event-stream': { schema: text } } },
          ...notFound,
          ...errors,
        },
      },
    },
    '/api/v1/runs/{id}/logs/{stage}': {
      get: {
        operationId: 'getStageLog',
        summary: "The end of a stage's log",
        parameters: [
          runId,
          { name: 'stage', in: 'path', required: true, schema: text },
          { name: 'tail', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5000, default: 200 } },
        ],
        responses: { '200': ok('The last lines', ref('Log')), ...notFound, ...errors },
      },
    },
    '/api/v1/runs/{id}/artifacts/{index}': {
      get: {
        operationId: 'getArtifact',
        summary: "One of the run's artifacts, by its place in the run's list",
        parameters: [runId, { name: 'index', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }],
        responses: {
          '200': { description: 'The file, typed by its extension', content: { '*/*': { schema: {} } } },
          ...notFound,
          ...errors,
        },
      },
    },
    '/api/v1/runs/{id}/why/{package}': {
      get: {
        operationId: 'getWhy',
        summary: "Whether a package's build and tests come from cache, and if not what changed (`slipway why`)",
        description:
          "It explains the run's repository's work tree against this machine's cache, so it answers only while the work tree is at the run's commit or the release commit the run made (409 otherwise).",
        parameters: [runId, { name: 'package', in: 'path', required: true, schema: text, description: 'e.g. @embark/shared, URL-encoded' }],
        responses: {
          '200': ok('The explanation', ref('Why')),
          ...notFound,
          '409': { description: "The work tree is not at the run's commit, or its configuration cannot be read", ...json(ref('Error')) },
          ...errors,
        },
      },
    },
    '/api/v1/releases': {
      get: {
        operationId: 'listReleases',
        summary: 'Releases created by the runs of this home, newest first',
        responses: { '200': ok('The releases', ref('ReleaseList')), ...errors },
      },
    },
    '/api/v1/releases/{tag}': {
      get: {
        operationId: 'getRelease',
        summary: 'One release: its images by digest, their SBOMs, its changelog',
        parameters: [{ name: 'tag', in: 'path', required: true, schema: text }],
        responses: { '200': ok('The release', ref('Release')), ...notFound, ...errors },
      },
    },
    '/api/v1/releases/{tag}/sbom/{service}': {
      get: {
        operationId: 'getSbom',
        summary: "One image's CycloneDX SBOM",
        parameters: [
          { name: 'tag', in: 'path', required: true, schema: text },
          { name: 'service', in: 'path', required: true, schema: text },
        ],
        responses: {
          '200': { description: 'The SBOM', content: { 'application/vnd.cyclonedx+json': { schema: { type: 'object' } } } },
          ...notFound,
          ...errors,
        },
      },
    },
    '/api/v1/environments': {
      get: {
        operationId: 'listEnvironments',
        summary: "Each repository's environments: the release live in each, its history, what waits at each gate",
        responses: { '200': ok('The environments', ref('Environments')), ...errors },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This description',
        responses: { '200': ok('The OpenAPI 3.1 description', { type: 'object' }), ...errors },
      },
    },
  },
  components: {
    schemas,
    responses: {
      BadRequest: {
        description: 'A parameter is not valid, or (without a token) the Host is not a loopback name; the message says which',
        ...json(ref('Error')),
      },
      Unauthorized: { description: 'The bearer token is missing or wrong', ...json(ref('Error')) },
    },
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
  },
};
