/**
 * GitHub's own description of the part of its REST API and webhooks that Slipway uses, as a
 * checker for tests: every request the GitHub adapter sends, every response the loopback server
 * gives, and every webhook delivery is held against it, so a shape GitHub would not produce or
 * accept fails a test with the field and what GitHub expects. The descriptions are cut from
 * Octokit's packages by `npm run refresh:github-contract` (scripts/refresh-github-contract.ts).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describeSchemaErrors, fromOpenApi30 } from './json-schema.ts';

/** Headers as fetch, node:http or a test gives them; names in any case. */
export type HeaderInput = Headers | Record<string, string | string[] | number | undefined>;

/**
 * A body as sent (a string or bytes: JSON text for JSON operations), or already parsed (any other
 * value); `undefined` when there is none.
 */
export type Body = unknown;

export interface RequestToCheck {
  method: string;
  url: string;
  headers?: HeaderInput;
  body?: Body;
}

export interface ResponseToCheck extends RequestToCheck {
  status: number;
}

export interface WebhookToCheck {
  /** The event name, as in `X-GitHub-Event`: `release`, `push`, `pull_request`, ... */
  event: string;
  /** The delivery's body, parsed. */
  payload: unknown;
  headers?: HeaderInput;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: object;
  'x-multi-segment'?: boolean;
}

interface MediaType {
  schema?: object;
}

interface Operation {
  /** `METHOD /template (operationId)`: how problems name it. */
  label: string;
  method: string;
  template: string;
  /** JSON pointer to the operation in the REST description, for compiling its schemas in place. */
  pointer: string;
  pattern: RegExp;
  pathNames: string[];
  /** How many segments are fixed text: of two templates that match, the more literal one wins. */
  literalSegments: number;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType>; pointer: string }>;
}

interface RestDescription {
  source: Source;
  paths: Record<
    string,
    Record<string, { operationId: string; parameters: (Parameter | Ref)[]; requestBody?: unknown; responses: Record<string, unknown> }>
  >;
  components: { parameters: Record<string, Parameter>; responses: Record<string, unknown> };
}

interface WebhookDescription {
  source: Source;
  events: Record<string, { webhook: string; headers: string[] }>;
}

interface Source {
  package: string;
  version: string;
}

interface Ref {
  $ref: string;
}

/**
 * Statuses GitHub documents for every request rather than per operation: bad credentials (401),
 * primary and secondary rate limits (403 and 429, with `retry-after` or `x-ratelimit-reset`), and
 * server errors. 401, 403 and 429 carry GitHub's error body; a 5xx body is not checked (GitHub's
 * front ends answer some in HTML).
 */
const anyOperationErrors = new Set([401, 403, 429]);
const isServerError = (status: number) => status >= 500 && status <= 599;

const restId = 'github-rest.json';
const webhookId = 'github-webhooks.json';

export class GitHubContract {
  private static shared: GitHubContract | undefined;

  /** The contract, read and prepared once per process (compiled validators are kept). */
  static load(): GitHubContract {
    return (GitHubContract.shared ??= new GitHubContract(readDescription('rest-contract.json'), readDescription('webhook-contract.json')));
  }

  private readonly operations: Operation[];
  private readonly bodies = newAjv({});
  /** Path and query values arrive as text: this instance turns "5" into 5 where an integer is expected. */
  private readonly parameters = newAjv({ coerceTypes: true });
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(
    private readonly rest: RestDescription,
    private readonly webhooks: WebhookDescription,
  ) {
    this.bodies.addSchema(fromOpenApi30(rest) as object, restId);
    this.bodies.addSchema(webhooks, webhookId);
    this.operations = Object.entries(rest.paths).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => {
        const parameters = operation.parameters.map((parameter) => this.resolve<Parameter>(parameter));
        const { pattern, pathNames, literalSegments } = templatePattern(template, parameters);
        return {
          label: `${method.toUpperCase()} ${template} (${operation.operationId})`,
          method: method.toUpperCase(),
          template,
          pointer: `#/paths/${pointerSegment(template)}/${method}`,
          pattern,
          pathNames,
          literalSegments,
          parameters,
          requestBody: operation.requestBody as Operation['requestBody'],
          // Each response with the pointer its schema is compiled at: a shared one (`$ref` to
          // #/components/responses/...) lives there, not under the operation.
          responses: Object.fromEntries(
            Object.entries(operation.responses).map(([status, response]) => [
              status,
              {
                ...this.resolve<{ content?: Record<string, MediaType> }>(response),
                pointer: (response as Partial<Ref>).$ref ?? `#/paths/${pointerSegment(template)}/${method}/responses/${status}`,
              },
            ]),
          ),
        };
      }),
    );
  }

  /** Which package versions the contract was cut from. */
  get sources(): { rest: Source; webhooks: Source } {
    return { rest: this.rest.source, webhooks: this.webhooks.source };
  }

  /** What is wrong with a request, as GitHub describes the operation; empty when nothing is. */
  checkRequest(request: RequestToCheck): string[] {
    const found = this.find(request.method, request.url);
    if (typeof found === 'string') return [found];
    const { operation, url, pathValues } = found;
    const headers = lowerCaseHeaders(request.headers);
    return [
      ...this.checkParameters(operation, 'path', pathValues),
      ...this.checkParameters(operation, 'query', queryValues(url)),
      ...this.checkRequestBody(operation, headers, request),
    ].map((problem) => `${operation.label}: ${problem}`);
  }

  /** What is wrong with a response to a request, as GitHub describes the operation's responses. */
  checkResponse(response: ResponseToCheck): string[] {
    const found = this.find(response.method, response.url);
    if (typeof found === 'string') return [found];
    const { operation } = found;
    return this.responseProblems(operation, response).map((problem) => `${operation.label}: ${problem}`);
  }

  /** What is wrong with a webhook delivery, as GitHub describes the event (and its action). */
  checkWebhook(delivery: WebhookToCheck): string[] {
    const action = isRecord(delivery.payload) && typeof delivery.payload.action === 'string' ? delivery.payload.action : undefined;
    const key = Object.hasOwn(this.webhooks.events, delivery.event) ? delivery.event : `${delivery.event}.${action}`;
    const described = Object.hasOwn(this.webhooks.events, key) ? this.webhooks.events[key] : undefined;
    if (!described) {
      const known = Object.keys(this.webhooks.events).join(', ');
      const which = action === undefined ? 'without an action' : `with action ${JSON.stringify(action)}`;
      return [`${delivery.event} webhook ${which} is not a delivery Slipway's contract knows (it knows ${known})`];
    }
    const label = `${key} webhook (${described.webhook})`;
    const validate = this.validator(`${webhookId}#/events/${pointerSegment(key)}/schema`);
    const problems = validate(delivery.payload) ? [] : describeSchemaErrors(validate.errors).map((line) => `payload ${line}`);
    if (delivery.headers !== undefined)
      problems.push(...webhookHeaderProblems(delivery.event, described.headers, lowerCaseHeaders(delivery.headers)));
    return problems.map((problem) => `${label}: ${problem}`);
  }

  /** The operation a request is for, with its path parameters; or why there is none. */
  private find(method: string, rawUrl: string): { operation: Operation; url: URL; pathValues: Record<string, string> } | string {
    const url = new URL(rawUrl, 'http://github.invalid');
    const upper = method.toUpperCase();
    const notKnown = `${upper} ${url.pathname} is not an operation Slipway's contract knows`;
    const matches = this.operations
      .map((operation) => ({ operation, match: operation.pattern.exec(url.pathname) }))
      .filter((candidate) => candidate.match !== null)
      .sort((a, b) => b.operation.literalSegments - a.operation.literalSegments);
    const chosen = matches.find((candidate) => candidate.operation.method === upper);
    if (!chosen) {
      if (matches.length === 0) return notKnown;
      const template = matches[0].operation.template;
      const methods = matches
        .filter((candidate) => candidate.operation.template === template)
        .map((candidate) => candidate.operation.method);
      return `${notKnown} (on ${template} it knows ${methods.join(', ')})`;
    }
    const pathValues: Record<string, string> = {};
    chosen.operation.pathNames.forEach((name, index) => (pathValues[name] = chosen.match![index + 1]));
    return { operation: chosen.operation, url, pathValues };
  }

  private checkParameters(operation: Operation, location: 'path' | 'query', raw: Record<string, string> | string): string[] {
    if (typeof raw === 'string') return [raw];
    const parameters = operation.parameters.filter((parameter) => parameter.in === location);
    const values: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (location === 'query') values[name] = value;
      else {
        try {
          values[name] = decodeURIComponent(value);
        } catch {
          return [`path parameter ${name} is not valid percent-encoding: ${JSON.stringify(value)}`];
        }
      }
    }
    const validate = this.parameterValidator(operation, location, parameters);
    if (validate(values)) return [];
    return (validate.errors ?? []).map((error) => {
      const params = error.params as Record<string, string>;
      const name = params.missingProperty ?? params.additionalProperty ?? error.instancePath.split('/')[1];
      if (error.keyword === 'required') return `required ${location} parameter ${name} is missing`;
      if (error.keyword === 'additionalProperties') return `${location} parameter ${name} is not one GitHub documents for this operation`;
      const [line] = describeSchemaErrors([{ ...error, instancePath: error.instancePath.replace(/^\/[^/]+/, '') }]);
      return `${location} parameter ${name} ${JSON.stringify(raw[name])}: ${line.replace(/^\(root\) /, '')}`;
    });
  }

  private parameterValidator(operation: Operation, location: string, parameters: Parameter[]): ValidateFunction {
    const key = `${operation.label} ${location}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.parameters.compile({
        type: 'object',
        properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, fromOpenApi30(parameter.schema)])),
        required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
        additionalProperties: false,
      });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private checkRequestBody(operation: Operation, headers: Record<string, string>, request: RequestToCheck): string[] {
    const described = operation.requestBody;
    if (request.body === undefined) return described?.required ? ['the request has no body; GitHub requires one'] : [];
    if (!described) return ['the request has a body; GitHub documents none for this operation'];
    const mediaType = Object.keys(described.content)[0];
    if (mediaType !== 'application/json') {
      // A raw upload (the release asset): its bytes are the file, announced by these two headers.
      return ['content-type', 'content-length']
        .filter((name) => !headers[name])
        .map((name) => `the upload has no ${name} header; GitHub requires it`);
    }
    const problems: string[] = [];
    if (request.headers !== undefined && !isJsonMediaType(headers['content-type'])) {
      problems.push(`request content-type is ${JSON.stringify(headers['content-type'] ?? null)}; GitHub expects application/json`);
    }
    const body = parseJson(request.body, 'request body');
    if (typeof body === 'string') return [...problems, body];
    const validate = this.validator(`${restId}${operation.pointer}/requestBody/content/application~1json/schema`);
    if (!validate(body.value)) problems.push(...describeSchemaErrors(validate.errors).map((line) => `request body ${line}`));
    return problems;
  }

  private responseProblems(operation: Operation, response: ResponseToCheck): string[] {
    const status = String(response.status);
    const documented = operation.responses[status];
    let schemaPointer: string;
    if (documented) {
      if (!documented.content?.['application/json']) return [];
      schemaPointer = `${restId}${documented.pointer}/content/application~1json/schema`;
    } else if (anyOperationErrors.has(response.status)) {
      schemaPointer = `${restId}#/components/schemas/basic-error`;
    } else if (isServerError(response.status)) {
      return [];
    } else {
      const statuses = Object.keys(operation.responses).join(', ');
      return [
        `status ${status} is not one GitHub documents for this operation (${statuses}; any operation may also answer 401, 403, 429 or 5xx)`,
      ];
    }
    const headers = lowerCaseHeaders(response.headers);
    const problems: string[] = [];
    if (response.headers !== undefined && !isJsonMediaType(headers['content-type'])) {
      problems.push(`response ${status} content-type is ${JSON.stringify(headers['content-type'] ?? null)}; GitHub sends application/json`);
    }
    const body = parseJson(response.body, `response ${status} body`);
    if (typeof body === 'string') return [...problems, body];
    const validate = this.validator(schemaPointer);
    if (!validate(body.value)) problems.push(...describeSchemaErrors(validate.errors).map((line) => `response ${status} body ${line}`));
    return problems;
  }

  /** The validator for the schema at `pointer` (description id and JSON pointer), compiled once. */
  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.bodies.compile({ $ref: pointer });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  /** A parameter or response, following its `$ref` into the components. */
  private resolve<T>(value: unknown): T {
    const ref = (value as Partial<Ref>).$ref;
    if (ref === undefined) return value as T;
    const [, kind, name] = /^#\/components\/(parameters|responses)\/(.+)$/.exec(ref) ?? [];
    const target = kind === undefined ? undefined : this.rest.components[kind as 'parameters' | 'responses'][name];
    if (target === undefined)
      throw new Error(`The REST contract refers to ${ref}, which it does not hold: run npm run refresh:github-contract`);
    return target as T;
  }
}

function readDescription(file: string): never {
  return JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as never;
}

function newAjv(options: { coerceTypes?: boolean }): Ajv2020 {
  // allErrors: a test should see every field that is not GitHub's shape at once, not the first.
  // strictRequired is off: GitHub's descriptions say "one of these must be present" as an anyOf of
  // bare `required` lists (the check-run update's conclusion), which is valid JSON Schema.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, ...options });
  formats.default(ajv);
  // GitHub's own format: a repository's "name with owner" (the pull request's head_repo).
  ajv.addFormat('repo.nwo', /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
  // A description is added whole, so its schemas' `#/components/...` references resolve; ajv then
  // compiles its root, whose top-level sections validate nothing.
  ajv.addVocabulary(['source', 'paths', 'events', 'components']);
  return ajv;
}

/**
 * A regular expression for a path template: one segment per `{parameter}`, or several for a
 * parameter GitHub marks `x-multi-segment` (a git ref such as `heads/main`).
 */
function templatePattern(template: string, parameters: Parameter[]): { pattern: RegExp; pathNames: string[]; literalSegments: number } {
  const pathNames: string[] = [];
  let literalSegments = 0;
  const source = template
    .split('/')
    .map((segment) => {
      const name = /^\{(.+)\}$/.exec(segment)?.[1];
      if (name === undefined) {
        literalSegments += 1;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      pathNames.push(name);
      return parameters.find((parameter) => parameter.name === name)?.['x-multi-segment'] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), pathNames, literalSegments };
}

/** A key as one JSON pointer segment (`/` and `~` escaped). */
function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The query string as name → value; a repeated name is a problem (GitHub's parameters here are single). */
function queryValues(url: URL): Record<string, string> | string {
  const values: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name in values) return `query parameter ${name} is given more than once`;
    values[name] = value;
  }
  return values;
}

function lowerCaseHeaders(headers: HeaderInput | undefined): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers ?? {});
  return Object.fromEntries(
    entries
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value)]),
  );
}

function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType);
}

/** A body's JSON value, or a problem when it is text or bytes that are not JSON. */
function parseJson(body: Body, what: string): { value: unknown } | string {
  if (body === undefined) return `${what} is missing; GitHub documents a JSON body`;
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = new TextDecoder().decode(body);
  else return { value: body };
  if (text === '') return `${what} is empty; GitHub documents a JSON body`;
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return `${what} is not JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 80))}`;
  }
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The headers GitHub sends with every delivery, as its description and its webhook documentation give them. */
function webhookHeaderProblems(event: string, required: string[], headers: Record<string, string>): string[] {
  const problems = required.filter((name) => headers[name] === undefined).map((name) => `header ${name} is missing`);
  const has = (name: string) => headers[name] !== undefined;
  if (has('x-github-event') && headers['x-github-event'] !== event) {
    problems.push(`header x-github-event is ${JSON.stringify(headers['x-github-event'])}; the payload is a ${event} delivery`);
  }
  if (has('x-github-delivery') && !guid.test(headers['x-github-delivery'])) {
    problems.push(`header x-github-delivery ${JSON.stringify(headers['x-github-delivery'])} is not a GUID`);
  }
  if (has('x-hub-signature-256') && !/^sha256=[0-9a-f]{64}$/.test(headers['x-hub-signature-256'])) {
    problems.push(
      `header x-hub-signature-256 ${JSON.stringify(headers['x-hub-signature-256'])} is not "sha256=" and 64 lowercase hex digits`,
    );
  }
  if (has('user-agent') && !headers['user-agent'].startsWith('GitHub-Hookshot/')) {
    problems.push(`header user-agent ${JSON.stringify(headers['user-agent'])} does not start with "GitHub-Hookshot/"`);
  }
  if (headers['content-type'] !== 'application/json') {
    problems.push(`header content-type is ${JSON.stringify(headers['content-type'] ?? null)}; GitHub sends application/json`);
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
