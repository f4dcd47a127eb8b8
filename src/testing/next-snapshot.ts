import type { SyncedState, SyncedStateEvents } from '../client/index.js';
import type { AnyEntityType } from '../sync/index.js';
import { checkTimeout, DEFAULT_WAIT_MS, within } from './wait-timeout.js';

/** An applied snapshot as the `snapshot` event tells it: its sequence number, tick, and whether complete. */
export type AppliedSnapshot = SyncedStateEvents['snapshot'];

export interface NextSnapshotOptions<Types extends readonly AnyEntityType[]> {
  /**
   * Waits on, past snapshots after which this does not hold: for a room that applies its players' inputs
   * at its own tick, or a change that takes several snapshots. Asked after each applied snapshot (its
   * events delivered); a throw rejects the wait with it.
   */
  until?: (state: SyncedState<Types>) => boolean;
  timeoutMs?: number;
}

/**
 * Resolves with the next snapshot `state` applies after the call (its add, change and remove events
 * delivered: the state shows it), or with the first after which `until(state)` holds. Rejects with a
 * WaitTimeoutError after `timeoutMs` (default 5 s) that says how many snapshots the state had applied
 * meanwhile: none points at the room's sync (no flush, no `sync.receive`, a client in no room), some
 * at `until`. A snapshot that cannot apply (a resync, another room's) does not count.
 *
 * After `serverCaughtUp(client)`, the next snapshot on that client's state shows what the room's handlers
 * did to `sync.world`: over a test client's WebSocket the server's writes keep their order, the caught-up
 * answer among them. Not so across clients, over a direct link, or for what the room does at its tick:
 * use `until` there (docs/server.md, "Testing your rooms").
 */
export function nextSnapshot<const Types extends readonly AnyEntityType[]>(
  state: SyncedState<Types>,
  options: NextSnapshotOptions<Types> = {},
): Promise<AppliedSnapshot> {
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_WAIT_MS);
  const { until } = options;
  if (until !== undefined && typeof until !== 'function') throw new TypeError('until must be a function');
  const appliedBefore = state.stats().applied;
  let stop: (() => void) | undefined;
  const applied = new Promise<AppliedSnapshot>((resolve, reject) => {
    stop = state.on('snapshot', (snapshot) => {
      let holds: boolean;
      try {
        holds = until === undefined || until(state);
      } catch (error) {
        stop?.();
        reject(error);
        return;
      }
      if (!holds) return;
      stop?.();
      resolve(snapshot);
    });
  });
  const awaited = until === undefined ? 'the next snapshot' : 'a snapshot after which `until` holds';
  return within(
    applied,
    () => `${awaited} (the state applied ${state.stats().applied - appliedBefore} meanwhile)`,
    timeoutMs,
    () => stop?.(),
  );
}
