/** Something a test starts and must close: a server, a browser. */
interface Closable {
  close(): Promise<void>;
}

/**
 * Starts several things at once and waits for all of them. When one fails to start, closes those that
 * did (a server or a browser left open keeps the test process alive, or outlives it) and throws the
 * first failure.
 */
export async function startedOrClosed<T extends readonly Closable[]>(
  starting: {
    readonly [K in keyof T]: Promise<T[K]>;
  },
): Promise<T> {
  const settled = await Promise.allSettled(starting);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure === undefined) {
    return settled.map((result) => (result as PromiseFulfilledResult<Closable>).value) as unknown as T;
  }
  for (const result of settled) if (result.status === 'fulfilled') await result.value.close();
  throw failure.reason;
}
