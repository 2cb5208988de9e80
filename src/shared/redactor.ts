/**
 * Masks every registered secret value in text before it reaches a log, feedback or state.
 * Stages register secrets as soon as they learn them (database passwords, tokens, keys).
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(...values: (string | undefined)[]): void {
    // Very short values would mask ordinary words; real secrets are longer.
    for (const value of values) if (value && value.length >= 6) this.secrets.add(value);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) result = result.split(secret).join('***');
    return result;
  }

  /** Redacts every string inside a JSON-serialisable value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value ?? null))) as T;
  }
}
