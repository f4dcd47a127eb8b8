import * as v from 'valibot';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpiryWatch } from '../support/expiry-watch.js';
import { ignored } from '../support/ignored.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const TTL_MS = 100;
/** Expiring messages both ways, checked where lateness is the sender's doing (see ExpiryWatch). */
const watch = new ExpiryWatch('fresh', TTL_MS);

/** Streams numbered messages to each member and records what each member streams back. */
class StreamRoom extends Room {
  static current: StreamRoom | undefined;
  readonly receivedReliable: number[] = [];
  sent = 0;
  #stop: (() => void) | undefined;

  override onCreate(): void {
    StreamRoom.current = this;
    this.onMessage('n', v.number(), (_client, n) => {
      this.receivedReliable.push(n);
    });
    // Judged as the client's socket writes them (see ExpiryWatch), not here on arrival.
    this.onMessage('fresh', v.number(), () => {});
  }

  start(client: RoomClient): void {
    const timer = setInterval(() => {
      for (let i = 0; i < 4; i++) client.send('n', ++this.sent);
      const stamp = performance.now();
      client.send('fresh', stamp, { class: 'expiring', ttlMs: TTL_MS });
      watch.sent(stamp);
    }, 2);
    this.#stop = () => clearInterval(timer);
  }

  stop(): void {
    this.#stop?.();
  }
}

let t: TestServer;
let proxy: TcpProxy;
beforeAll(async () => {
  t = await startServer(
    { stream: StreamRoom },
    // Outboxes big enough for a whole long outage of both streams (2,500 messages a second each way).
    { heartbeatMs: 200, rateBurst: 100_000, ratePerSecond: 100_000, outboxMessages: 8_192 },
  );
  proxy = new TcpProxy(t.port);
  await proxy.listen();
});
afterAll(async () => {
  await proxy.close();
  await t.close();
});

describe('reconnection under 1,000 random socket drops', () => {
  it('delivers every reliable message exactly once and in order both ways, and no expiring one late', async () => {
    // Not judged by their age on arrival: that counts socket buffers and an event loop that a loaded
    // machine slows by hundreds of ms (700 ms seen), which no sender controls.
    const client = t.client({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      WebSocket: watch.WebSocket,
      backoff: { baseMs: 5, maxMs: 40 },
      outboxMessages: 8_192,
    });
    await client.connect();
    const room = await client.create('stream');
    const server = StreamRoom.current!;
    const fromServer: number[] = [];
    room.onMessage('n', (n) => fromServer.push(n as number));
    // Judged as the socket receives them (see ExpiryWatch), not here.
    room.onMessage('fresh', ignored);
    server.start(server.clients[0]!);

    let sentByClient = 0;
    const pump = setInterval(() => {
      if (room.left) return;
      for (let i = 0; i < 4; i++) room.send('n', ++sentByClient);
      const stamp = performance.now();
      room.send('fresh', stamp, { class: 'expiring', ttlMs: TTL_MS });
      watch.sent(stamp);
    }, 2);

    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let drop = 0; drop < 1_000; drop++) {
      const roll = random();
      if (roll < 0.2) {
        // Mid-handshake: as soon as a connection exists, before the session is back.
        await eventually(() => proxy.connections > 0, 'a connection attempt', 10_000);
      } else {
        await eventually(() => client.state === 'open', 'reconnected', 10_000);
        await sleep(Math.floor(random() * 8));
      }
      if (drop % 100 === 99) {
        // Now and then a longer outage of 10 TTLs, so that expiring messages really do outlive their TTL
        // while queued: replayed on the next socket, one sent at its start would be 900 ms past it.
        proxy.block();
        await sleep(TTL_MS * 10);
        proxy.unblock();
      } else {
        proxy.dropAll();
      }
    }
    await eventually(() => client.state === 'open', 'final reconnect', 10_000);
    clearInterval(pump);
    server.stop();
    await eventually(
      () => fromServer.length === server.sent && server.receivedReliable.length === sentByClient,
      'both streams drained',
      10_000,
    );

    expect(proxy.drops).toBeGreaterThanOrEqual(1_000);
    expect(client.room).toBe(room);
    expect(fromServer).toEqual(Array.from({ length: server.sent }, (_, i) => i + 1));
    expect(server.receivedReliable).toEqual(Array.from({ length: sentByClient }, (_, i) => i + 1));
    expect(server.sent).toBeGreaterThan(10_000);
    expect(watch.seen.written).toBeGreaterThan(1_000);
    expect(watch.seen.delivered).toBeGreaterThan(1_000);
    expect(watch.writtenLate).toEqual([]);
    expect(watch.deliveredLate).toEqual([]);
  }, 120_000);
});
