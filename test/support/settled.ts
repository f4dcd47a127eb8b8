import { ProtocolError } from 'vehikill-net/protocol';
import { expect } from 'vitest';

/** What a promise settled with, read after the turn it settled in (`flush`). */
export function settled(promise: Promise<unknown>): {
  value?: unknown;
  error?: ProtocolError;
  done: boolean;
} {
  const state: { value?: unknown; error?: ProtocolError; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: ProtocolError) => Object.assign(state, { error, done: true }),
  );
  return state;
}

/** Lets the promises settled by now run their callbacks. */
export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** What `promise` rejected with, a ProtocolError (fails the test if it resolved, or rejected otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<ProtocolError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`resolved with ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ProtocolError);
  return outcome.error as ProtocolError;
}
