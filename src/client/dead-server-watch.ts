import { type Cancel, type Clock, every, LateTicks } from '../common/index.js';

/** The longest wait for what a stall left unread before the silence is judged (ms). */
const SETTLE_MS = 1_000;

export interface DeadServerWatch {
  clock: Clock;
  /** Time between checks, each with a ping (ms). */
  periodMs: number;
  /** Nothing heard from the server for this long: it is dead (ms). */
  deadAfterMs: number;
  /** When a frame last came from the server (clock time). */
  lastHeard(): number;
  ping(): void;
  /** The server is taken for dead: called at most once per silence. */
  dead(): void;
}

/**
 * Pings the server every period and gives it up once nothing has come from it for `deadAfterMs`. A
 * silence that spans a stall of this process's own is not the server's (see LateTicks): a check that
 * comes late sends its ping and judges a moment later, once what the server sent meanwhile has been
 * read: a server that is really gone (a laptop waking up to a dead connection) is still given up
 * within that moment.
 */
export function watchDeadServer(watch: DeadServerWatch): Cancel {
  const { clock, periodMs, deadAfterMs } = watch;
  const checks = new LateTicks(periodMs, clock.now());
  let cancelRecheck: Cancel | undefined;
  const cancelChecks = every(clock, periodMs, () => {
    const now = clock.now();
    const late = checks.late(now);
    if (now - watch.lastHeard() > deadAfterMs) {
      if (!late) {
        watch.dead();
        return;
      }
      cancelRecheck?.();
      cancelRecheck = clock.setTimeout(
        () => {
          cancelRecheck = undefined;
          if (watch.lastHeard() < now) watch.dead();
        },
        Math.min(periodMs, SETTLE_MS),
      );
    }
    watch.ping();
  });
  return () => {
    cancelChecks();
    cancelRecheck?.();
  };
}
