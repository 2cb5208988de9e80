/**
 * Values shorter than this are never masked: they would mask ordinary words ("test", "main") all
 * over a log, and a real secret is longer. The one rule for every place that masks secrets.
 */
export const MIN_SECRET_LENGTH = 6;

const MASK = '***';

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

  add(...values: (string | undefined)[]): void {
    for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** Redacts every string inside a JSON-serialisable value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value ?? null))) as T;
  }
}
