import type { ErrorObject } from 'ajv/dist/2020.js';

/**
 * A copy of an OpenAPI 3.0 schema as JSON Schema 2020-12, which ajv validates: `nullable: true`
 * (3.0's only way to allow null) becomes `null` among the types, and among the values when there
 * is an `enum`, as OpenAPI 3.0.3 defines it. GitHub's webhook description is OpenAPI 3.1, already
 * JSON Schema, and needs no copy.
 */
export function fromOpenApi30(value: unknown, where = '#'): unknown {
  if (Array.isArray(value)) return value.map((item, index) => fromOpenApi30(item, `${where}/${index}`));
  if (value === null || typeof value !== 'object') return value;
  const { nullable, ...rest } = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(rest)) {
    // enum, const and default hold data, not schemas.
    copy[key] = ['enum', 'const', 'default'].includes(key) ? inner : fromOpenApi30(inner, `${where}/${key}`);
  }
  if (nullable !== true) return copy;
  // GitHub writes nullable only beside a single type; anything else would need a different rewrite.
  if (typeof copy.type !== 'string') throw new Error(`${where}: nullable without a single type is not handled by the contract's reader`);
  copy.type = [copy.type, 'null'];
  if (Array.isArray(copy.enum) && !copy.enum.includes(null)) copy.enum = [...copy.enum, null];
  return copy;
}

/**
 * One line per ajv error: where in the value (a JSON pointer, or "(root)") and what was expected,
 * with the detail ajv keeps in `params` (the property that is missing or unexpected, the allowed
 * values), so the line alone says what to change.
 */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return [...new Set((errors ?? []).map(describeSchemaError))];
}

function describeSchemaError(error: ErrorObject): string {
  const at = error.instancePath === '' ? '(root)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if (error.keyword === 'additionalProperties') detail = ` (${JSON.stringify(params.additionalProperty)})`;
  else if (error.keyword === 'enum') detail = ` (${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')})`;
  else if (error.keyword === 'const') detail = ` (${JSON.stringify(params.allowedValue)})`;
  return `${at} ${error.message}${detail}`;
}
