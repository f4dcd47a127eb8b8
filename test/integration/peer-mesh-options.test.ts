import { Channel, type Client, type RoomConnection } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/* The mesh's options as a game sets them, and blocking a peer, over the relay. */

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom }, { rateBurst: 100_000, ratePerSecond: 100_000 });
});
afterAll(async () => {
  await t.close();
});

async function pair(first: Client = t.client()): Promise<{ clients: Client[]; rooms: RoomConnection[] }> {
  const clients = [first, t.client()];
  await Promise.all(clients.map((client) => client.connect()));
  const host = await clients[0]!.create('test');
  const rooms = [host, await clients[1]!.join(host.roomId)];
  await eventually(() => rooms.every((room) => room.members.length === 2), 'both see both');
  return { clients, rooms };
}

describe('mesh options', () => {
  it('a value no mesh could work with throws at room.mesh(), naming it; a good mesh after works', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { clients, rooms } = await pair();
      const [a, b] = rooms as [RoomConnection, RoomConnection];
      for (const [options, name] of [
        [{ peerMessagesPerSecond: 0 }, 'peerMessagesPerSecond'],
        [{ peerMessagesPerSecond: Number.NaN }, 'peerMessagesPerSecond'],
        [{ maxMessageBytes: -1 }, 'maxMessageBytes'],
        [{ directTimeoutMs: -1 }, 'directTimeoutMs'],
        [{ retryDirectMs: Number.NaN }, 'retryDirectMs'],
        [{ directQuietMs: 0 }, 'directQuietMs'],
        [{ directQuietMs: '1500' as never }, 'directQuietMs'],
        [{ directDeadMs: Number.POSITIVE_INFINITY }, 'directDeadMs'],
        [{ directDeadMs: -5 }, 'directDeadMs'],
        [{ eventLifetimeMs: 0 }, 'eventLifetimeMs'],
        [{ eventLifetimeMs: 70_000 }, 'eventLifetimeMs'],
        // Where it used to go, and the relay never saw it: refused, not ignored.
        [{ rtc: { eventLifetimeMs: 1_000 } as never }, 'eventLifetimeMs'],
      ] as const) {
        expect(() => a.mesh({ rtc: false, ...options }), name).toThrow(
          new RegExp(`^${name} (must be|is a mesh option)`),
        );
      }
      // Nothing of the refused meshes is left subscribed to the room: the good one hears b, and no
      // listener throws when a third player joins.
      const mesh = a.mesh({ rtc: false });
      const heard: number[] = [];
      mesh.on('message', ({ bytes }) => heard.push(bytes[0]!));
      b.mesh({ rtc: false }).send(clients[0]!.playerId!, Channel.dispatch, Uint8Array.of(9));
      await eventually(() => heard.length === 1, 'b heard');
      const third = t.client();
      await third.connect();
      await third.join(a.roomId);
      await eventually(() => mesh.peers().length === 2, 'a links to the newcomer');
      expect(heard).toEqual([9]);
      expect(errors).not.toHaveBeenCalled();
      for (const client of [...clients, third]) client.close();
    } finally {
      errors.mockRestore();
    }
  });

  it('eventLifetimeMs holds on the relay: an event outlives an outage shorter than it', async () => {
    // a's socket dies; the client comes back after 700 ms (its backoff, jitter fixed) and sends what it
    // held. The default 250 ms lifetime lets that event go; 3,000 ms keeps it.
    const sockets: WebSocket[] = [];
    class TrackedSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
      }
    }
    const heardAfterOutage = async (eventLifetimeMs: number | undefined): Promise<string[]> => {
      const sender = t.client({
        WebSocket: TrackedSocket as never,
        random: () => 1,
        backoff: { baseMs: 700, maxMs: 700 },
      });
      const { clients, rooms } = await pair(sender);
      const options = { rtc: false as const, ...(eventLifetimeMs ? { eventLifetimeMs } : {}) };
      const [a, b] = rooms.map((room) => room.mesh(options));
      const heard: string[] = [];
      b!.on('message', ({ channel, bytes }) => heard.push(`${channel}:${bytes[0]}`));
      await sleep(200);
      sockets.at(-1)!.terminate();
      await eventually(() => sender.state !== 'open', 'a dropped');
      const to = clients[1]!.playerId!;
      a!.send(to, Channel.event, Uint8Array.of(1));
      a!.send(to, Channel.dispatch, Uint8Array.of(2));
      await eventually(() => heard.includes('dispatch:2'), 'the dispatch after the reconnect');
      await sleep(300);
      for (const client of clients) client.close();
      return heard;
    };
    expect(await heardAfterOutage(3_000)).toContain('event:1');
    expect(await heardAfterOutage(undefined)).not.toContain('event:1');
  });
});

describe('mesh.block', () => {
  it("drops a blocked peer's dispatch for good: unblocked, only what it sends after arrives", async () => {
    const { clients, rooms } = await pair();
    const [a, b] = rooms.map((room) => room.mesh({ rtc: false }));
    const [aId, bId] = clients.map((client) => client.playerId!) as [string, string];
    const heard: number[] = [];
    const refused: number[] = [];
    a!.on('message', ({ bytes }) => heard.push(bytes[0]!));
    a!.on('rejected', ({ reason, count }) => {
      if (reason === 'blocked') refused.push(count);
    });
    a!.block(bId);
    for (let i = 0; i < 100; i++) expect(b!.send(aId, Channel.dispatch, Uint8Array.of(1))).toBe(true);
    await eventually(() => refused.reduce((sum, count) => sum + count, 0) === 100, 'all 100 refused');
    // Acked as they were dropped: the sender holds none of them to send again.
    await sleep(1_500);
    a!.unblock(bId);
    b!.send(aId, Channel.dispatch, Uint8Array.of(2));
    await eventually(() => heard.length > 0, 'the message after the unblock');
    await sleep(1_500);
    expect(heard).toEqual([2]);
    for (const client of clients) client.close();
  });
});
