import { expect } from 'vitest';
import { Failure } from './failure.ts';

/** Awaits a promise that must reject with a Failure, and returns it for the test to inspect. */
export async function failureOf(promise: Promise<unknown>): Promise<Failure> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(Failure);
  return error as Failure;
}
