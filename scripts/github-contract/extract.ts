/**
 * Cuts a small, self-contained piece out of one of GitHub's OpenAPI descriptions: the chosen
 * entries plus the closure of every local `$ref` they reach, with prose and examples left out
 * (they do not validate anything, and they are most of the bytes).
 */

/** A JSON value as the descriptions hold it. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keys that only annotate: dropped wherever they are keywords (never when they name a property). */
const annotations = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'x-github',
  'x-github-breaking-changes',
  'x-octokit',
  'tags',
]);

/** Keys whose value is data, not description: copied as they are, and never searched for `$ref`s. */
const dataKeywords = new Set(['enum', 'const', 'default', 'required']);

/** Keys whose value maps names the user chose (properties, media types, statuses) to descriptions. */
const nameMaps = new Set(['properties', 'patternProperties', 'content', 'headers', 'responses']);

/** A copy of `value` without annotations. */
export function withoutAnnotations(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutAnnotations);
  if (value === null || typeof value !== 'object') return value;
  const copy: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    if (annotations.has(key)) continue;
    if (dataKeywords.has(key)) copy[key] = inner;
    else if (nameMaps.has(key) && isObject(inner)) copy[key] = mapValues(inner, withoutAnnotations);
    else copy[key] = withoutAnnotations(inner);
  }
  return copy;
}

/** Every local `$ref` (`#/components/...`) in `value`, outside data keywords. */
function localRefs(value: Json, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => localRefs(item, found));
  else if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner);
      else if (!dataKeywords.has(key) && !annotations.has(key)) localRefs(inner, found);
    }
  }
  return found;
}

/**
 * The `components` that `roots` need, directly or through other components, each without
 * annotations. A `$ref` that is not local, or that names nothing, is an error: the piece must
 * stand alone.
 */
export function componentClosure(document: JsonObject, roots: Json[]): JsonObject {
  const components: Record<string, JsonObject> = {};
  const pending = roots.flatMap((root) => localRefs(root));
  const seen = new Set<string>();
  while (pending.length > 0) {
    const ref = pending.pop()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
    if (!match) throw new Error(`${ref} is not a reference to a component; the extractor follows only #/components/<kind>/<name>`);
    const [, kind, name] = match;
    const target = (document.components as JsonObject | undefined)?.[kind];
    const component = isObject(target) ? target[name] : undefined;
    if (component === undefined) throw new Error(`${ref} names no component in the description`);
    const stripped = withoutAnnotations(component);
    (components[kind] ??= {})[name] = stripped;
    pending.push(...localRefs(stripped));
  }
  return sortKeys(components);
}

export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mapValues(object: JsonObject, map: (value: Json) => Json): JsonObject {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));
}

/** Keys in a stable order, so a refresh that changes nothing upstream changes no line. */
function sortKeys(object: Record<string, JsonObject>): JsonObject {
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((kind) => [
        kind,
        Object.fromEntries(
          Object.keys(object[kind])
            .sort()
            .map((name) => [name, object[kind][name]]),
        ),
      ]),
  );
}

export type { Json, JsonObject };
