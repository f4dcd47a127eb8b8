import type { Clock } from '../../common/index.js';

/**
 * Runs a room's `onCreate` for at most `timeoutMs` (the `createTimeoutMs` option): past it, rejects as an
 * `onCreate` that throws does (a synchronous throw rejects as it is). Requests of a player run one at a
 * time, so an async `onCreate` that never returns (a service called without a timeout of its own) held its
 * creator's every later request for good. What it does later is ignored, a late throw included (handled
 * here, so it is no unhandled rejection).
 */
export async function createWithin(
  onCreate: () => void | Promise<void>,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  // Called at once, as before: a synchronous `onCreate` runs in the creation's own turn and needs no timer.
  const created = onCreate();
  if (created === undefined) return;
  return new Promise<void>((resolve, reject) => {
    const cancel = clock.setTimeout(() => {
      reject(
        new Error(
          `the room was not created within ${timeoutMs.toLocaleString('en-US')} ms (its onCreate did not finish)`,
        ),
      );
    }, timeoutMs);
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
