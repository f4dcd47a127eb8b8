import type { MetricsSink } from '../metrics.js';

/**
 * Runs app code (a room hook or handler, a server event's listener) so that a throw or a rejected promise
 * is logged and counted, never allowed to take the server down or to break the caller's bookkeeping.
 * `what` names it in the log.
 */
export function safely(
  metrics: MetricsSink,
  where: string,
  run: () => unknown,
  what = `room ${where}`,
): void {
  try {
    const result = run();
    if (result instanceof Promise) result.catch((error: unknown) => report(metrics, where, what, error));
  } catch (error) {
    report(metrics, where, what, error);
  }
}

function report(metrics: MetricsSink, where: string, what: string, error: unknown): void {
  metrics.count('room_hook_errors_total', { hook: where });
  console.error(`vehikill-net: ${what} threw`, error);
}
