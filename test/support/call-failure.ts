import { RoomCallError } from 'vehikill-net/server';
import { expect } from 'vitest';

/** Why a `callRoom` promise rejected: a RoomCallError, or the test fails. */
export async function callFailure(promise: Promise<unknown>): Promise<RoomCallError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RoomCallError);
  return error as RoomCallError;
}
