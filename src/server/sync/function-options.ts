/** The options of RoomSync that the app gives as functions. */
const FUNCTION_OPTIONS = ['priority', 'tier', 'visible', 'viewGroup', 'send', 'random'] as const;

/**
 * Refuses a function option that is not a function (a name given as text, a method left out in plain
 * JavaScript), naming it, and a `metrics` without `count`. Unchecked, `send` and `random` threw "is not
 * a function" from every `flush` from the first join on (and `metrics` from the first snapshot sent,
 * leaving the members after it without theirs), and the guarded callbacks failed at every call.
 */
export function checkFunctionOptions(
  options: Partial<Record<(typeof FUNCTION_OPTIONS)[number] | 'metrics', unknown>>,
): void {
  for (const name of FUNCTION_OPTIONS) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`RoomSync option '${name}' must be a function, got ${typeof value}`);
    }
  }
  const metrics = options.metrics as { count?: unknown } | undefined | null;
  if (metrics !== undefined && typeof metrics?.count !== 'function') {
    throw new TypeError("RoomSync option 'metrics' must have a count method (pass the server's metrics)");
  }
}
