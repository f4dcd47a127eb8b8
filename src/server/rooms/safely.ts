import type { MetricsSink } from '../metrics.js';

/**
 * Runs app code (a room hook or handler) so that a throw or a rejected promise is logged and counted,
 * never allowed to take the server down or to break the caller's bookkeeping.
 */
export function safely(metrics: MetricsSink, where: string, run: () => unknown): void {
  try {
    const result = run();
    if (result instanceof Promise) result.catch((error: unknown) => report(metrics, where, error));
  } catch (error) {
    report(metrics, where, error);
  }
}

function report(metrics: MetricsSink, where: string, error: unknown): void {
  metrics.count('room_hook_errors_total', { hook: where });
  console.error(`vehikill-net: room ${where} threw`, error);
}
