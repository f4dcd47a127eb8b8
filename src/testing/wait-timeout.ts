/** A kit's wait that ran out: `what` it waited for and how long, in its message. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  readonly what: string;
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

/** The kit's waits, 5 s by default: well past a loopback round trip, well within a test's timeout. */
export const DEFAULT_WAIT_MS = 5_000;

/**
 * The longest wait: a timer's delay is a 32-bit signed count of ms, and Node fires one set longer after
 * 1 ms (a TimeoutOverflowWarning), so a longer wait would time out at once.
 */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** Checks a wait's `timeoutMs` up front: a typo must not turn into a wait that never ends, or ends at once. */
export function checkTimeout(timeoutMs: number): number {
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0 && timeoutMs <= MAX_WAIT_MS)) {
    throw new RangeError(
      `timeoutMs must be a number from 0 to ${MAX_WAIT_MS} (about 24.8 days), got ${String(timeoutMs)}`,
    );
  }
  return timeoutMs;
}

/**
 * `promise`, or a WaitTimeoutError naming `what` once `timeoutMs` has passed; `giveUp` runs then (the
 * wait lets go of what it listened to). A function `what` is asked at the timeout: for a message that
 * says how far the wait got.
 */
export function within<T>(
  promise: Promise<T>,
  what: string | (() => string),
  timeoutMs: number,
  giveUp?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      giveUp?.();
      reject(new WaitTimeoutError(typeof what === 'string' ? what : what(), timeoutMs));
    }, timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
