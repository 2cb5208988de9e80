/**
 * Values shorter than this are never masked: they would mask ordinary words ("test", "main") all
 * over a log, and a real secret is longer. The one rule for every place that masks secrets.
 */
export const MIN_SECRET_LENGTH = 6;

const MASK = '***';

/**
 * A secret and the forms it is printed in: as is, base64 (and base64url) encoded, and URL-encoded,
 * the encodings that carry credentials in headers, URLs and config files. A secret inside a longer
 * base64 text is encoded at one of three offsets, so each offset's fully determined characters count.
 */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const bytes = Buffer.from(secret, 'utf8');
  // JSON-escaped too: values are masked inside the JSON of feedback and stored outputs.
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Characters mixing bits of the unknown neighbours (before and after) are left out.
    const determined = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    forms.add(determined);
    forms.add(determined.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** The text with every occurrence of each secret (long enough to be one) replaced; longer secrets first. */
export function redact(text: string, secrets: Iterable<string>): string {
  const masked = [...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return masked.reduce((result, secret) => result.split(secret).join(MASK), text);
}

/**
 * Masks every registered secret value in text before it reaches a log, feedback or state.
 * Stages register secrets as soon as they learn them (database passwords, tokens, keys).
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  /** Every form of every secret, longest first, in one pattern: each line is read once, however many there are. */
  private pattern: RegExp | undefined;

  /** Registers secret values; each is masked as is and in its encoded forms (see secretForms). */
  add(...values: (string | undefined)[]): void {
    for (const value of values) if (value) for (const form of secretForms(value)) this.secrets.add(form);
    this.pattern = undefined;
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((secret) => secret.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, MASK);
  }

  /** Redacts every string inside a JSON-serialisable value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value ?? null))) as T;
  }
}
