import * as v from 'valibot';
import { type Channel, type Client, isEntityOf, type SyncedEntity, SyncedState } from 'vehikill-net/client';
import { Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int, string } from 'vehikill-net/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/*
 * What a client shows after its stream of snapshots changes under it: a room switch (with snapshots slower
 * than the join's answer), and a room that replaces its RoomSync for a new round.
 */

const Car = entity('car', { room: int({ min: 0, max: 1000 }), name: string({ maxLength: 24 }) });
const Marker = entity('marker', { room: int({ min: 0, max: 1000 }), round: int({ min: 0, max: 255 }) });
const types = [Car, Marker] as const;

/** A car per member and a marker per round, each naming the room. New rounds start with a new RoomSync. */
class RoundsRoom extends Room {
  static rooms = 0;
  static byId = new Map<string, RoundsRoom>();
  readonly number = ++RoundsRoom.rooms;
  sync!: RoomSync;
  tick = 0;
  round = 0;
  readonly cars = new Map<string, number>();

  override onCreate(): void {
    RoundsRoom.byId.set(this.roomId, this);
    // Round 1's seqs start far ahead of round 2's: a client that took round 2 for round 1 would drop it.
    this.#newRound(0.6);
    this.onMessage('newRound', v.object({}), () => this.#newRound(0.3));
    this.clock.setInterval(() => this.sync.flush(++this.tick), 1000 / 60);
  }

  #newRound(random: number): void {
    this.round++;
    this.sync = new RoomSync(this, { types, rateHz: 20, random: () => random });
    this.sync.world.spawn(Marker, { room: this.number, round: this.round });
    for (const client of this.clients) this.#addCar(client);
  }

  #addCar(client: RoomClient): void {
    this.cars.set(client.playerId, this.sync.world.spawn(Car, { room: this.number, name: client.name }));
  }

  override onJoin(client: RoomClient): void {
    this.#addCar(client);
  }

  override onLeave(client: RoomClient): void {
    const id = this.cars.get(client.playerId);
    if (id !== undefined) this.sync.world.remove(id);
    this.cars.delete(client.playerId);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ rounds: RoundsRoom });
});
afterAll(() => t.close());

type State = SyncedState<typeof types>;

/** An entity as `room:name` (a car) or `room:round n` (a marker). */
function label(e: SyncedEntity<(typeof types)[number]>): string {
  return isEntityOf(e, Car) ? `${e.state.room}:${e.state.name}` : `${e.state.room}:round ${e.state.round}`;
}

/** What the state holds, labelled, sorted. */
function shown(state: State): string[] {
  return [...state.entities()].map(label).sort();
}

/** What the room's world holds, the same way. */
function world(room: RoundsRoom): string[] {
  return [...room.sync.world.frame(room.tick).entities.values()]
    .map((record) => {
      const state = record.codes;
      return record.type === Car ? `${room.number}:${state[1]}` : `${room.number}:round ${state[1]}`;
    })
    .sort();
}

async function connect(name: string, delayMs = 0): Promise<Client> {
  const client = t.client({
    serverLink: 'off',
    name,
    ...(delayMs > 0 ? { conditioner: { phys: { delayMs } } } : {}),
  });
  await client.connect();
  return client;
}

describe('a SyncedState follows its stream', () => {
  it('after a room switch (snapshots 120 ms behind the join answer) it shows room B only, and converges', async () => {
    const host = await connect('Host');
    const roomB = await host.create('rounds');
    const b = RoundsRoom.byId.get(roomB.roomId) as RoundsRoom;
    for (let trial = 0; trial < 3; trial++) {
      const ada = await connect('Ada', 120);
      let state: State = new SyncedState(ada.serverLink, { types });
      const roomA = await ada.create('rounds');
      const a = RoundsRoom.byId.get(roomA.roomId) as RoundsRoom;
      await eventually(() => state.size === 2, "room A's world");
      // docs/sync.md, "One per join": dispose the old state, make a new one, join the other room.
      state.dispose();
      state = new SyncedState(ada.serverLink, { types });
      const added: string[] = [];
      state.on('add', (e) => added.push(label(e)));
      await ada.join(roomB.roomId);
      await eventually(() => shown(state).join() === world(b).join(), "room B's world, as the server has it");
      expect(shown(state)).toEqual([`${b.number}:Ada`, `${b.number}:Host`, `${b.number}:round 1`]);
      // Room A's snapshots, still on their way at the switch, never showed.
      expect(added.every((what) => what.startsWith(`${b.number}:`))).toBe(true);
      expect(added.some((what) => what.startsWith(`${a.number}:`))).toBe(false);
      await sleep(200);
      expect(shown(state)).toEqual(world(b));
      ada.close();
      await eventually(() => b.clients.length === 1, 'Ada gone from B');
    }
  });

  it('kept across close() and connect(), it shows the room the new session joins', async () => {
    const host = await connect('Host');
    const roomId = (await host.create('rounds')).roomId;
    const room = RoundsRoom.byId.get(roomId) as RoundsRoom;
    const ada = await connect('Ada');
    const state: State = new SyncedState(ada.serverLink, { types });
    await ada.join(roomId);
    await eventually(() => shown(state).join() === world(room).join(), 'the room shown');
    // A new session: its first seat is numbered as the old one's was, and the room's RoomSync is the same.
    ada.close();
    await eventually(() => room.clients.length === 1, 'Ada gone');
    await ada.connect();
    await ada.join(roomId);
    // Ada's new car has a new id: the old world goes (a restart), the new one comes, as the server has it.
    await eventually(
      () => state.stats().restarts === 1 && shown(state).join() === world(room).join(),
      'the room shown again, from its new stream',
    );
    expect(shown(state)).toEqual([`${room.number}:Ada`, `${room.number}:Host`, `${room.number}:round 1`]);
    expect([...state.entities()].map((e) => e.id).sort()).toEqual(
      [...room.sync.world.frame(room.tick).entities.keys()].sort(),
    );
    await sleep(200);
    expect(state.stats().stale).toBe(0);
    ada.close();
    host.close();
  });

  it('after the room replaces its RoomSync (a new round), every client shows round 2', async () => {
    const clients: Client[] = [];
    const states: State[] = [];
    let roomId = '';
    for (let i = 0; i < 4; i++) {
      const client = await connect(`P${i}`);
      states.push(new SyncedState(client.serverLink, { types }));
      if (i === 0) roomId = (await client.create('rounds')).roomId;
      else await client.join(roomId);
      clients.push(client);
    }
    const room = RoundsRoom.byId.get(roomId) as RoundsRoom;
    await eventually(
      () => states.every((state) => shown(state).join() === world(room).join()),
      'round 1 shown',
    );
    clients[0]?.room?.send('newRound', {});
    await eventually(() => room.round === 2, 'round 2 begun');
    await eventually(
      () => states.every((state) => shown(state).join() === world(room).join()),
      'every client showing round 2',
    );
    for (const state of states) {
      expect(shown(state)).toContain(`${room.number}:round 2`);
      expect(shown(state)).not.toContain(`${room.number}:round 1`);
      expect(state.stats().restarts).toBe(1);
    }
    for (const client of clients) client.close();
  });
});
