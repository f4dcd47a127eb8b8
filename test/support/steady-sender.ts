import { sleep } from './server.js';

/**
 * Calls `send` `perSecond` times a second (with the count so far) until stopped, each call in a turn of
 * its own (a client's server link batches one turn's sends in TCP mode). Paced by the clock, not by
 * sleeps: a loaded test machine stretches a sleep and the sends then catch up, as a client's would.
 * `stop` resolves with how many were sent.
 */
export function steady(perSecond: number, send: (n: number) => void): { stop(): Promise<number> } {
  let stopped = false;
  let sent = 0;
  const done = (async () => {
    const startedAt = performance.now();
    while (!stopped) {
      const due = Math.floor(((performance.now() - startedAt) / 1_000) * perSecond);
      for (; sent < due; sent++) {
        send(sent);
        await Promise.resolve();
      }
      await sleep(5);
    }
    return sent;
  })();
  return {
    stop: () => {
      stopped = true;
      return done;
    },
  };
}
