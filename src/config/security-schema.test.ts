import { describe, expect, it } from 'vitest';
import { failureFrom } from '../test-support/failure-of.ts';
import { securitySchema } from './security-schema.ts';
import { validateConfig } from './validate.ts';

const problems = (input: unknown) =>
  securitySchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('securitySchema', () => {
  it('defaults to failing on high, no exceptions, and a warning when the advisory service is unreachable', () => {
    expect(securitySchema.parse(undefined)).toEqual({ failOn: 'high', exceptions: [], advisoryService: { unreachable: 'warn' } });
    expect(validateConfig({ project: 'embark' }, 'slipway.config.ts').security.failOn).toBe('high');
  });

  it('reads an exception by npm id, GHSA id or advisory URL as the id or the canonical GHSA id', () => {
    const exception = (advisory: unknown) =>
      securitySchema.parse({ exceptions: [{ advisory, reason: 'not reachable from a request', expires: '2027-01-31' }] }).exceptions[0]
        .advisory;
    expect(exception(1097678)).toBe(1097678);
    expect(exception(' 1097678 ')).toBe(1097678);
    expect(exception('ghsa-XVCH-5gv4-984h')).toBe('GHSA-xvch-5gv4-984h');
    expect(exception('https://github.com/advisories/GHSA-xvch-5gv4-984h')).toBe('GHSA-xvch-5gv4-984h');
  });

  it('refuses bad values with one precise reason each', () => {
    expect(problems({ failOn: 'severe' })).toEqual(['failOn: Invalid option: expected one of "low"|"moderate"|"high"|"critical"|"none"']);
    expect(problems({ advisoryService: { unreachable: 'ignore' } })).toEqual([
      'advisoryService.unreachable: Invalid option: expected one of "warn"|"fail"',
    ]);
    const exception = { advisory: 'GHSA-xvch-5gv4-984h', reason: 'trusted input only', expires: '2027-01-31' };
    expect(problems({ exceptions: [{ ...exception, advisory: 'CVE-2021-44906' }] })).toEqual([
      'exceptions.0.advisory: expected an advisory id (1097678), a GitHub advisory id ("GHSA-xvch-5gv4-984h") or its URL (https://github.com/advisories/GHSA-…), got "CVE-2021-44906"',
    ]);
    expect(problems({ exceptions: [{ ...exception, reason: '  ' }] })).toEqual(['exceptions.0.reason: say why the advisory is accepted']);
    expect(problems({ exceptions: [{ ...exception, expires: '31/01/2027' }] })).toEqual([
      'exceptions.0.expires: a date as YYYY-MM-DD, e.g. "2027-03-31"',
    ]);
    expect(problems({ exceptions: [{ ...exception, expires: '2027-02-30' }] })).toEqual([
      'exceptions.0.expires: a date that exists in the calendar',
    ]);
    expect(problems({ exceptions: [{ advisory: 1097678, expires: '2027-01-31' }] })).toEqual([
      'exceptions.0.reason: Invalid input: expected string, received undefined',
    ]);
    expect(problems({ exceptions: [{ ...exception, until: '2027-01-31' }] })).toEqual(['exceptions.0: Unrecognized key: "until"']);
  });

  it('names the field in the configuration file when the whole configuration is validated', () => {
    const failure = failureFrom(() =>
      validateConfig(
        { project: 'embark', security: { exceptions: [{ advisory: 1097678, reason: 'x', expires: '2027-13-01' }] } },
        'slipway.config.ts',
      ),
    );
    expect(failure.specific).toBe('slipway.config.ts is invalid (1 problem)');
    expect(failure.details).toEqual(['security.exceptions[0].expires: a date that exists in the calendar']);
  });
});
