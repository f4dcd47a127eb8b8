import type { Clock } from '../../common/index.js';

/**
 * How long a room's `onCreate` may take, as long as quick plays wait for a creation under way
 * (`QUICK_PLAY_CREATION_WAIT_MS`). Requests of a player run one at a time, so an async `onCreate` that
 * never returns (a service called without a timeout of its own) held its creator's every later request for
 * good; quick plays waiting for it went on after 5 s, the creator never did.
 */
export const ROOM_CREATE_TIMEOUT_MS = 5_000;

/**
 * Runs a room's `onCreate` for at most `ROOM_CREATE_TIMEOUT_MS`: past it, rejects as an `onCreate` that
 * throws does (a synchronous throw rejects as it is). What it does later is ignored, a late throw
 * included (handled here, so it is no unhandled rejection).
 */
export async function createWithin(onCreate: () => void | Promise<void>, clock: Clock): Promise<void> {
  // Called at once, as before: a synchronous `onCreate` runs in the creation's own turn and needs no timer.
  const created = onCreate();
  if (created === undefined) return;
  return new Promise<void>((resolve, reject) => {
    const cancel = clock.setTimeout(() => {
      reject(
        new Error(
          `the room was not created within ${ROOM_CREATE_TIMEOUT_MS.toLocaleString('en-US')} ms (its onCreate did not finish)`,
        ),
      );
    }, ROOM_CREATE_TIMEOUT_MS);
    Promise.resolve(created).then(
      () => {
        cancel();
        resolve();
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
