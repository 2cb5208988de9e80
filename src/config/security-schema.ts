import { z } from 'zod';

/** npm's advisory severities, least to most severe. */
export const severities = ['low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

const GHSA_ID = /^GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/i;
const GHSA_URL = /^https:\/\/github\.com\/advisories\/(GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$/i;

/** "GHSA-xvch-5gv4-984h" as GitHub writes it: the prefix in capitals, the rest in lower case. */
function canonicalGhsa(id: string): string {
  return `GHSA-${id.slice(5).toLowerCase()}`;
}

/**
 * An advisory as the registry names it: npm's numeric id (1097678), its GitHub id
 * ("GHSA-xvch-5gv4-984h"), or its URL ("https://github.com/advisories/GHSA-xvch-5gv4-984h").
 * Read as the number or the canonical GHSA id.
 */
const advisoryReference = z.union([z.number().int().positive(), z.string()]).transform((value, ctx): number | string => {
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (GHSA_ID.test(trimmed)) return canonicalGhsa(trimmed);
  const fromUrl = GHSA_URL.exec(trimmed);
  if (fromUrl) return canonicalGhsa(fromUrl[1]);
  ctx.addIssue({
    code: 'custom',
    message: `expected an advisory id (1097678), a GitHub advisory id ("GHSA-xvch-5gv4-984h") or its URL (https://github.com/advisories/GHSA-…), got "${value}"`,
  });
  return z.NEVER;
});

/** A calendar date "YYYY-MM-DD" that exists (no 2027-02-30). */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date as YYYY-MM-DD, e.g. "2027-03-31"', abort: true })
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, 'a date that exists in the calendar');

const exceptionSchema = z.strictObject({
  advisory: advisoryReference,
  /** Only this package's findings of the advisory (an advisory is usually about one package anyway). */
  package: z.string().min(1).optional(),
  /** Why the risk is accepted: shown with every finding it covers. */
  reason: z.string().trim().min(1, 'say why the advisory is accepted'),
  /** The last day it applies (UTC); after it, the advisory fails the gate again and a warning names it. */
  expires: calendarDate,
});

/**
 * The vulnerability gate: each image's production dependencies checked against the npm registry's
 * advisories before it is pushed (see release/scan/).
 */
export const securitySchema = z
  .strictObject({
    /** The least severity that fails the release; "none" reports advisories without failing. */
    failOn: z.enum([...severities, 'none']).default('high'),
    /** Advisories accepted for now, each with its reason and expiry. */
    exceptions: z.array(exceptionSchema).default([]),
    advisoryService: z
      .strictObject({
        /**
         * When the registry's advisory service cannot be reached: "warn" (the images are released
         * as not scanned) or "fail" (the release stops, as a failure of the host, not of the change).
         */
        unreachable: z.enum(['warn', 'fail']).default('warn'),
      })
      .prefault({}),
  })
  .prefault({});

export type SecurityConfig = z.output<typeof securitySchema>;
export type SecurityException = SecurityConfig['exceptions'][number];
