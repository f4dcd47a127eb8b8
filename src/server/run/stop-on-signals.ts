import type { GameServer } from '../game-server.js';
import type { Registry } from '../registry/registry.js';

/**
 * A signal this soon after the first is taken for the same one passed on again, not for an operator's
 * second: a Ctrl-C reaches every process of the terminal's foreground group, and `npm start` (npm's
 * run-script) forwards the SIGINT it got to the server as well, so one Ctrl-C arrives twice.
 */
const SAME_SIGNAL_MS = 1_000;

/**
 * How a server process ends: SIGINT closes (players are told; rooms get 5 s), SIGTERM drains for a
 * deploy (no new rooms here, running matches go on up to `drainMs`, then players move to another node),
 * then closes. A second signal while stopping, a second or more after the first, exits at once (code 1).
 * The registry, if the process opened one, is closed after the server.
 */
export function stopOnSignals(server: GameServer, options: { registry?: Registry; drainMs: number }): void {
  /** When the first signal came (performance.now()), or undefined while running. */
  let stoppingSince: number | undefined;
  const finish = (done: Promise<unknown>) => {
    void done
      .then(() => options.registry?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('vehikill-net: stopping failed:', error);
          process.exit(1);
        },
      );
  };
  /** Whether `signal` starts the stop (the first one); else it exits at once, or is the first passed on again. */
  const first = (signal: string): boolean => {
    if (stoppingSince === undefined) {
      stoppingSince = performance.now();
      return true;
    }
    if (performance.now() - stoppingSince >= SAME_SIGNAL_MS) {
      console.log(`${signal} while stopping: exiting at once`);
      process.exit(1);
    }
    return false;
  };
  process.on('SIGINT', () => {
    if (!first('SIGINT')) return;
    console.log('SIGINT: closing (players are told; rooms get 5 s to drain)');
    finish(server.close({ drainMs: 5_000 }));
  });
  process.on('SIGTERM', () => {
    if (!first('SIGTERM')) return;
    console.log(`SIGTERM: draining (no new rooms; matches get up to ${options.drainMs / 1000} s)`);
    finish(server.drain({ deadlineMs: options.drainMs }).then(() => server.close({ drainMs: 0 })));
  });
}
