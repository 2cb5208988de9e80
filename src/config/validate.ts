import type { ZodError } from 'zod';
import { Failure } from '../shared/feedback/failure.ts';
import { configSchema, type Config } from './schema.ts';
import { counted } from '../shared/plural.ts';

/** Validates a raw configuration; every problem is reported with its path and what was expected. */
export function validateConfig(raw: unknown, source: string): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new Failure(`${source} is invalid (${counted(result.error.issues.length, 'problem')})`, {
    details: describeIssues(result.error),
    hint: "fix the fields named above; the schema is in Slipway's src/config/schema.ts",
  });
}

function describeIssues(error: ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length
      ? issue.path
          .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
          .join('')
          .replace(/^\./, '')
      : '(root)';
    return `${path}: ${issue.message}`;
  });
}
