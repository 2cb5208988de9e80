/**
 * What a stage's building blocks throw when the developer's input or the outside world is at
 * fault. The stage wrapper adds the RFC's message ("Unit tests failed"); this carries the rest.
 */
export class Failure extends Error {
  /** One line: the specific cause, e.g. "2 tests failed in backend". */
  readonly specific: string;
  /** The facts behind it: the failing test and file, the uncovered lines, the registry's error. */
  readonly details: string[];
  /** The last lines of the log that shows it. */
  readonly logExcerpt: string[];
  /** What to do next. */
  readonly hint?: string;
  /** Files kept for the developer (screenshots, traces, reports). */
  readonly artifacts: string[];

  constructor(specific: string, options: { details?: string[]; logExcerpt?: string[]; hint?: string; artifacts?: string[] } = {}) {
    super(specific);
    this.name = 'Failure';
    this.specific = specific;
    this.details = options.details ?? [];
    this.logExcerpt = options.logExcerpt ?? [];
    this.hint = options.hint;
    this.artifacts = options.artifacts ?? [];
  }

  /** A copy with some parts replaced: a stage adding what only it knows (context, kept artifacts). */
  with(changes: { specific?: string; hint?: string; artifacts?: string[] }): Failure {
    return new Failure(changes.specific ?? this.specific, {
      details: this.details,
      logExcerpt: this.logExcerpt,
      hint: changes.hint ?? this.hint,
      artifacts: changes.artifacts ?? this.artifacts,
    });
  }
}
