import { ApiError } from './status.ts';

/** One requirement of a selector: `key=value`, `key==value`, `key!=value`, `key` or `!key`. */
export interface Requirement {
  key: string;
  op: 'equals' | 'notEquals' | 'exists' | 'notExists';
  value?: string;
}

/**
 * Parses an equality-based selector, the form `labelSelector` and `fieldSelector` take in a query.
 * Set-based requirements (`in`, `notin`) are not supported and are rejected, not ignored.
 */
export function parseSelector(text: string | null, param: string): Requirement[] {
  if (!text) return [];
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part): Requirement => {
      const match = /^([^!=\s]+)\s*(==|=|!=)\s*([^!=\s]*)$/.exec(part);
      if (match) return { key: match[1], op: match[2] === '!=' ? 'notEquals' : 'equals', value: match[3] };
      if (/^![^!=\s]+$/.test(part)) return { key: part.slice(1), op: 'notExists' };
      if (/^[^!=\s()]+$/.test(part)) return { key: part, op: 'exists' };
      throw new ApiError(
        400,
        'BadRequest',
        `unable to parse requirement: ${param} "${part}" (the stand-in supports only equality selectors)`,
      );
    });
}

export function matchesLabels(labels: Record<string, string> | undefined, requirements: Requirement[]): boolean {
  return requirements.every((req) => matches(labels?.[req.key], req));
}

/** Field selectors name a dotted path in the object: `metadata.name=web`, `involvedObject.name=web-1`. */
export function matchesFields(object: unknown, requirements: Requirement[]): boolean {
  return requirements.every((req) => {
    const value = req.key
      .split('.')
      .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), object);
    return matches(value === undefined ? undefined : String(value), req);
  });
}

function matches(actual: string | undefined, req: Requirement): boolean {
  switch (req.op) {
    case 'equals':
      return actual === req.value;
    case 'notEquals':
      return actual !== req.value;
    case 'exists':
      return actual !== undefined;
    case 'notExists':
      return actual === undefined;
  }
}
