export interface BackoffOptions {
  /** First delay ceiling in ms. Default 250. */
  baseMs?: number;
  /** Largest delay in ms. Default 10,000. */
  maxMs?: number;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * delay = random(0, min(max, base * 2^attempt)). Jitter keeps a crowd of clients dropped together by
 * one server restart from reconnecting in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
