import { type Channel, type Client, SyncedState } from 'vehikill-net/client';
import { Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startServer, type TestServer } from '../support/server.js';

/* A rate set for a player while the room still decides on the join (an async onJoin). */

const Marker = entity('marker', { round: int({ min: 0, max: 255 }) });
const types = [Marker] as const;

/**
 * A room at 30 Hz whose onJoin sets the player's rate and budget when the join asks for them, then waits
 * (a profile lookup, say), and refuses the player when the join asks for that.
 */
class SlowJoinRoom extends Room {
  static instance: SlowJoinRoom | undefined;
  sync!: RoomSync;
  tick = 0;

  override onCreate(): void {
    SlowJoinRoom.instance = this;
    this.sync = new RoomSync(this, { types, rateHz: 30 });
    this.sync.world.spawn(Marker, { round: 1 });
    this.clock.setInterval(() => this.sync.flush(++this.tick), 1000 / 60);
  }

  override async onJoin(client: RoomClient, options: unknown): Promise<void> {
    const asked = (options ?? {}) as { rateHz?: number; refuse?: boolean };
    if (asked.rateHz !== undefined) {
      this.sync.setRate(client, asked.rateHz);
      this.sync.setBudget(client, 600);
    }
    await sleep(100);
    if (asked.refuse) throw new Error('not today');
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ slow: SlowJoinRoom });
});
afterAll(() => t.close());

async function connect(name: string): Promise<Client> {
  const client = t.client({ serverLink: 'off', name });
  await client.connect();
  return client;
}

describe('rates set while the room decides on a join', () => {
  it('setRate in an async onJoin is the rate the client receives at', async () => {
    const client = await connect('Ada');
    const state = new SyncedState(client.serverLink, { types });
    let snapshots = 0;
    state.on('snapshot', () => snapshots++);
    const host = await connect('Host');
    const roomId = (await host.create('slow')).roomId;
    const room = SlowJoinRoom.instance as SlowJoinRoom;
    await client.join(roomId, { rateHz: 5 });
    await sleep(300);
    snapshots = 0;
    await sleep(2_000);
    // 5 a second asked, 30 the room's rate: 10 in 2 s, with a wide margin for a loaded machine.
    expect(snapshots).toBeGreaterThanOrEqual(5);
    expect(snapshots).toBeLessThanOrEqual(16);
    const ada = room.clients.find((member) => member.name === 'Ada') as RoomClient;
    expect(room.sync.rateOf(ada)).toEqual({ rateHz: 5, budgetBytes: 600 });
    host.close();
    client.close();
  });

  it('a player the room refused, joining again, is at the room’s own rate', async () => {
    const host = await connect('Host');
    const roomId = (await host.create('slow')).roomId;
    const room = SlowJoinRoom.instance as SlowJoinRoom;
    const client = await connect('Bob');
    await expect(client.join(roomId, { rateHz: 5, refuse: true })).rejects.toThrow(/not today/);
    // The rate set for the refused join went with it: this join sets none.
    await client.join(roomId);
    const bob = room.clients.find((member) => member.name === 'Bob') as RoomClient;
    await sleep(100);
    expect(room.sync.rateOf(bob).rateHz).toBeCloseTo(30, 6);
    expect(room.sync.rateOf(bob).budgetBytes).toBe(1200);
    host.close();
    client.close();
  });
});
