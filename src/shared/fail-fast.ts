/**
 * Tasks of one stage (package builds, test runs) that stop together. Failing fast, the first task
 * that fails stops the others running and keeps the rest from starting; `outer` (the stage's own
 * stop signal) stops them all. A stopped task's end is never taken as its result: whatever it
 * returns or throws then is the stop's doing, so no caller caches or reports it.
 */
export class FailFast {
  private readonly stopper = new AbortController();
  /** Passed to each task, for the processes it starts. */
  readonly signal: AbortSignal;
  /** Tasks stopped while running or never started, by name. */
  readonly stopped: string[] = [];

  constructor(
    readonly enabled: boolean,
    outer?: AbortSignal,
  ) {
    this.signal = outer ? AbortSignal.any([outer, this.stopper.signal]) : this.stopper.signal;
  }

  /**
   * Runs `task` unless the stage is stopping; failing fast, a result that `failed` says is a
   * failure stops the others. Undefined when the task was stopped or never started.
   */
  async run<T>(name: string, task: (signal: AbortSignal) => Promise<T>, failed: (result: T) => boolean): Promise<T | undefined> {
    if (this.signal.aborted) return this.skip(name);
    let result: T;
    try {
      result = await task(this.signal);
    } catch (error) {
      if (this.signal.aborted) return this.skip(name);
      throw error;
    }
    if (this.signal.aborted) return this.skip(name);
    if (this.enabled && failed(result)) this.stopper.abort();
    return result;
  }

  /** Records a task as stopped: the caller did not start it because the stage is stopping. */
  skip(name: string): undefined {
    this.stopped.push(name);
    return undefined;
  }
}
