import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Room } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript } from '../support/json-process.js';
import { startServer, type TestServer } from '../support/server.js';

const TICK_MS = 50;
const PLAYERS = 100;

/** A room that ticks at 20 Hz doing a little work, and records how late each tick ran. */
class TickingRoom extends Room {
  static lateness: number[] = [];
  override onCreate(): void {
    this.setMaxClients(PLAYERS + 1);
    let expected = this.clock.now() + TICK_MS;
    const tick = () => {
      if (this.#disposed) return;
      const now = this.clock.now();
      TickingRoom.lateness.push(now - expected);
      expected = now + TICK_MS;
      let sum = 0;
      for (let i = 0; i < 20_000; i++) sum += Math.sqrt(i); // a modest simulation step
      if (sum < 0) this.broadcast('never');
      this.clock.setTimeout(tick, TICK_MS);
    };
    this.clock.setTimeout(tick, TICK_MS);
  }
  #disposed = false;
  override onDispose(): void {
    this.#disposed = true;
  }
}

let t: TestServer;
let script: string;
beforeAll(async () => {
  t = await startServer(
    { tick: TickingRoom },
    {
      // The players stand in for remote ones, each of their own address: one address's share of the
      // handshake slots would otherwise pace them (all come from loopback here).
      serverLink: { bindAddress: '127.0.0.1', maxHandshakesPerAddress: 8 },
      maxConnections: 1_000,
      maxConnectionsPerAddress: 1_000,
      connectBurst: 1_000,
    },
  );
  script = await bundleScript('storm-clients.ts');
});
afterAll(() => t.close());

/** What the clients' process printed: `failures` lists the join tries that failed (each retried). */
interface StormResult {
  joinedMs: number;
  allDirectMs: number;
  direct: number;
  failures: string[];
}

function runClients(roomId: string): Promise<StormResult> {
  return new Promise((resolve, reject) => {
    // Niced: on this 2-core machine the clients stand in for remote players, whose CPU is not the
    // server's; at equal priority their burst would preempt the server's event loop and stall its ticks.
    const child = spawn(
      'nice',
      ['-n', '19', process.execPath, script, t.wsUrl, roomId, String(PLAYERS), `${t.httpUrl}/auth/guest`],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { ...process.env, NODE_PATH: fileURLToPath(new URL('../../node_modules', import.meta.url)) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => {
      const line = out.trim().split('\n').at(-1) ?? '';
      let result: (StormResult & { error?: undefined }) | { error: string; failures: string[] };
      try {
        result = JSON.parse(line);
      } catch {
        reject(new Error(`the clients printed no result: ${out.slice(0, 500)}`));
        return;
      }
      if (result.error !== undefined) {
        reject(
          new Error(`the clients failed: ${result.error} (failed tries: ${result.failures.join(', ')})`),
        );
      } else {
        resolve(result);
      }
    });
  });
}

describe('a join storm with server links', () => {
  it(`${PLAYERS} players join at once: handshakes are paced, all go direct, the room keeps ticking`, async () => {
    const owner = t.client();
    await owner.connect();
    const room = await owner.create('tick');
    TickingRoom.lateness = [];
    const result = await runClients(room.roomId);
    const pacer = t.server.serverLinks.pacer;
    // A starved player may have lost its session and joined again (`failures`): it still had to go direct.
    expect(result.direct, `failed join tries: ${result.failures.join(', ') || 'none'}`).toBe(PLAYERS);
    // Never more handshakes at once than the pacer allows; the burst really did queue behind it.
    expect(pacer.peakRunning).toBeLessThanOrEqual(8);
    expect(pacer.peakWaiting).toBeGreaterThan(50);
    // The room ticked all along (how late each tick ran is a benchmark: BENCHMARKS.md, join storm).
    expect(TickingRoom.lateness.length).toBeGreaterThan((result.allDirectMs / TICK_MS) * 0.5);
    owner.close();
  }, 120_000);
});
