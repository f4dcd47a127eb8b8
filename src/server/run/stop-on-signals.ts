import type { GameServer } from '../game-server.js';
import type { Registry } from '../registry/registry.js';

/**
 * How a server process ends: SIGINT closes (players are told; rooms get 5 s), SIGTERM drains for a
 * deploy (no new rooms here, running matches go on up to `drainMs`, then players move to another node),
 * then closes. A second signal while stopping exits at once. The registry, if the process opened one, is
 * closed after the server.
 */
export function stopOnSignals(server: GameServer, options: { registry?: Registry; drainMs: number }): void {
  let stopping = false;
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
  process.on('SIGINT', () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('SIGINT: closing (players are told; rooms get 5 s to drain)');
    finish(server.close({ drainMs: 5_000 }));
  });
  process.on('SIGTERM', () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`SIGTERM: draining (no new rooms; matches get up to ${options.drainMs / 1000} s)`);
    finish(server.drain({ deadlineMs: options.drainMs }).then(() => server.close({ drainMs: 0 })));
  });
}
