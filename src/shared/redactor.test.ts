import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, redact, Redactor, secretForms } from './redactor.ts';

const secret = 'p@ss w0rd/+token!';

describe('Redactor', () => {
  it('masks a secret as is, URL-encoded and base64 encoded, also inside longer base64 at any offset', () => {
    const redactor = new Redactor();
    redactor.add(secret);
    expect(redactor.redact(`DATABASE_URL=postgres://app:${encodeURIComponent(secret)}@db/app`)).toBe(
      'DATABASE_URL=postgres://app:***@db/app',
    );
    expect(redactor.redact(`plain ${secret} here`)).toBe('plain *** here');
    for (const prefix of ['', 'u', 'us', 'user:']) {
      const basic = Buffer.from(`${prefix}${secret}`).toString('base64');
      const masked = redactor.redact(`Authorization: Basic ${basic}`);
      expect(masked, `base64 after ${JSON.stringify(prefix)}`).toContain('***');
      // What is left of the encoding cannot give the secret back.
      expect(Buffer.from(masked.replace('Authorization: Basic ', '').replace('***', ''), 'base64').toString('latin1')).not.toContain(
        secret.slice(2, -2),
      );
    }
    const url = Buffer.from(secret).toString('base64url');
    expect(redactor.redact(url)).not.toContain(url.slice(1, -1));
  });

  it('masks a secret with quotes and backslashes inside the JSON of stored values', () => {
    const redactor = new Redactor();
    redactor.add('pa"ss\\word!');
    expect(JSON.stringify(redactor.redactValue({ error: 'login failed for pa"ss\\word!' }))).toBe('{"error":"login failed for ***"}');
  });

  it('masks in values, and leaves short values and unrelated text alone', () => {
    const redactor = new Redactor();
    redactor.add('short', undefined, '');
    redactor.add(secret);
    expect(redactor.redactValue({ log: [`got ${secret}`], n: 1 })).toEqual({ log: ['got ***'], n: 1 });
    expect(redactor.redact('a short test')).toBe('a short test');
  });

  it('has one rule for the shortest secret, for the class and the function alike', () => {
    expect(secretForms('x'.repeat(MIN_SECRET_LENGTH - 1))).toEqual([]);
    expect(
      redact(`a ${'y'.repeat(MIN_SECRET_LENGTH - 1)} b ${'z'.repeat(MIN_SECRET_LENGTH)}`, [
        'y'.repeat(MIN_SECRET_LENGTH - 1),
        'z'.repeat(MIN_SECRET_LENGTH),
      ]),
    ).toBe(`a ${'y'.repeat(MIN_SECRET_LENGTH - 1)} b ***`);
  });
});
