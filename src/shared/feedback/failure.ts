/**
 * A place in the repository a failure points at: the failing test, the uncovered lines. It becomes
 * an annotation at that file and line (a GitHub Actions workflow command, a check run annotation).
 */
export interface FailureLocation {
  /** Relative to the repository root, with forward slashes. */
  file: string;
  line?: number;
  /** The last line of a range (uncovered lines 12-14). */
  endLine?: number;
  /** What it is, in a few words: the test's name. */
  title?: string;
  /** What is wrong there: the assertion, the coverage shortfall. */
  message: string;
}

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
  /** The files and lines it points at, when the stage knows them. */
  readonly locations: FailureLocation[];

  constructor(
    specific: string,
    options: { details?: string[]; logExcerpt?: string[]; hint?: string; artifacts?: string[]; locations?: FailureLocation[] } = {},
  ) {
    super(specific);
    this.name = 'Failure';
    this.specific = specific;
    this.details = options.details ?? [];
    this.logExcerpt = options.logExcerpt ?? [];
    this.hint = options.hint;
    this.artifacts = options.artifacts ?? [];
    this.locations = options.locations ?? [];
  }

  /** A copy with some parts replaced: a stage adding what only it knows (context, kept artifacts). */
  with(changes: { specific?: string; details?: string[]; hint?: string; artifacts?: string[]; locations?: FailureLocation[] }): Failure {
    return new Failure(changes.specific ?? this.specific, {
      details: changes.details ?? this.details,
      logExcerpt: this.logExcerpt,
      hint: changes.hint ?? this.hint,
      artifacts: changes.artifacts ?? this.artifacts,
      locations: changes.locations ?? this.locations,
    });
  }
}
