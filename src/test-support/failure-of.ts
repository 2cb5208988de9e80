import { expect } from 'vitest';
import { Failure } from '../shared/feedback/failure.ts';

/** Awaits a promise that must reject with a Failure, and returns it for the test to inspect. */
export async function failureOf(promise: Promise<unknown>): Promise<Failure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Failure);
  return error as Failure;
}

/** Runs code that must throw a Failure synchronously, and returns it for the test to inspect. */
export function failureFrom(run: () => unknown): Failure {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(Failure);
    return error as Failure;
  }
  throw new Error('expected a Failure');
}
