/** One step of a teardown: what it closes, and optionally what to say of it when it hangs. */
export type TeardownStep = (() => unknown) | { run: () => unknown; state: () => string };

/** How long one step may take (ms) before `closeInSteps` gives up on it. */
export const STEP_LIMIT_MS = 8_000;

/** The timeout for a hook that runs `closeInSteps` with `steps` steps: each may take its whole limit. */
export function teardownTimeout(steps: number, limitMs = STEP_LIMIT_MS): number {
  return steps * limitMs + 5_000;
}

/**
 * Runs a test file's teardown `steps` one after another, in their order (a server before its registry,
 * child processes before the Redis they use). A step that has not ended within `limitMs` is left behind
 * and the next ones run all the same (so that child processes are still stopped); so do they after a step
 * that threw. Then it throws, naming each step that hung or failed with how long every step took (and the
 * hung step's `state`), instead of a bare hook timeout, which names no step. The hook's timeout must allow
 * every step its limit: `teardownTimeout`.
 */
export async function closeInSteps(
  steps: Record<string, TeardownStep>,
  limitMs = STEP_LIMIT_MS,
): Promise<void> {
  const took: string[] = [];
  const problems: string[] = [];
  for (const [name, step] of Object.entries(steps)) {
    const run = typeof step === 'function' ? step : step.run;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), limitMs);
    });
    const outcome = await Promise.race([
      Promise.resolve()
        .then(run)
        .then(
          () => ({ failed: false, error: undefined }),
          (error: unknown) => ({ failed: true, error }),
        ),
      hung,
    ]);
    clearTimeout(timer);
    if (outcome === undefined) {
      took.push(`${name} >${limitMs} ms`);
      const state = typeof step === 'function' ? '' : ` (${step.state()})`;
      problems.push(`'${name}' had not ended after ${limitMs} ms${state}`);
      continue;
    }
    const ms = Math.round(performance.now() - started);
    took.push(`${name} ${ms} ms`);
    // Slow but not hung: said, so that a step creeping towards its limit shows in the logs first.
    if (ms > limitMs / 4) console.warn(`teardown: '${name}' took ${ms} ms`);
    if (outcome.failed) problems.push(`'${name}' failed: ${String(outcome.error)}`);
  }
  if (problems.length > 0) {
    throw new Error(`teardown: ${problems.join('; ')}. Steps: ${took.join(', ')}`);
  }
}
