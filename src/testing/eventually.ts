import { checkTimeout, DEFAULT_WAIT_MS, WaitTimeoutError } from './wait-timeout.js';

/** How often `eventually` looks again: quick enough for a test, far from spinning a core. */
const POLL_MS = 5;

/**
 * Resolves once `predicate` holds, looking every few ms; rejects with a WaitTimeoutError naming `what`
 * after `timeoutMs`. For state the test cannot be told about (a server room's field, a member count).
 */
export async function eventually(
  predicate: () => boolean,
  what: string,
  timeoutMs: number = DEFAULT_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + checkTimeout(timeoutMs);
  while (!predicate()) {
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
