import type { Channel, Client } from 'vehikill-net/client';
import { isEntityOf, type SyncedEntity, SyncedState } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int, string } from 'vehikill-net/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/*
 * What a client's SyncedState holds once the session it came in ends, and when it goes on: an expired
 * session's world is no longer the server's (a game went on drawing it), a resumed one's still is, and a
 * room the app left keeps showing until the next room's world replaces it.
 */

const Car = entity('car', { name: string({ maxLength: 24 }), laps: int({ min: 0, max: 1000 }) });
const types = [Car] as const;
type State = SyncedState<typeof types>;

/** A car per member, named for them; the world is sent at 20 Hz. */
class GarageRoom extends Room {
  static byId = new Map<string, GarageRoom>();
  sync!: RoomSync;
  tick = 0;
  readonly cars = new Map<string, number>();

  override onCreate(): void {
    GarageRoom.byId.set(this.roomId, this);
    this.sync = new RoomSync(this, { types, rateHz: 20 });
    this.clock.setInterval(() => this.sync.flush(++this.tick), 1000 / 60);
  }

  override onJoin(client: RoomClient): void {
    this.cars.set(client.playerId, this.sync.world.spawn(Car, { name: client.name, laps: 0 }));
  }

  override onLeave(client: RoomClient): void {
    const id = this.cars.get(client.playerId);
    if (id !== undefined) this.sync.world.remove(id);
    this.cars.delete(client.playerId);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }

  /** The names of the cars in the world, sorted. */
  names(): string[] {
    return [...this.sync.world.frame(this.tick).entities.values()]
      .map((record) => `${record.codes[0]}`)
      .sort();
  }
}

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

function names(state: State): string[] {
  return [...state.entities()]
    .map((e: SyncedEntity<typeof Car>) => (isEntityOf(e, Car) ? e.state.name : '?'))
    .sort();
}

/** Host (direct) and Ada (through a proxy the test can cut) in one garage; Ada's state shows it. */
async function setup(graceMs = 30_000) {
  t = await startServer({ garage: GarageRoom }, { graceMs });
  proxy = new TcpProxy(t.port);
  await proxy.listen();
  const host = t.client({ name: 'Host', serverLink: 'off' });
  const ada: Client = t.client({ name: 'Ada', serverLink: 'off', url: `ws://127.0.0.1:${proxy.port}/ws` });
  await Promise.all([host.connect(), ada.connect()]);
  const hostRoom = await host.create('garage');
  const room = GarageRoom.byId.get(hostRoom.roomId) as GarageRoom;
  const state: State = new SyncedState(ada.serverLink, { types });
  const adaRoom = await ada.join(hostRoom.roomId);
  await eventually(() => names(state).join() === 'Ada,Host', "the garage shown on Ada's state");
  const removed: string[] = [];
  state.on('remove', (e) => removed.push(`${isEntityOf(e, Car) ? e.state.name : '?'}:${e.reason}`));
  return { host, ada, hostRoom, adaRoom, room, state, removed };
}

describe("a SyncedState when its client's session ends", () => {
  it('is emptied when the session expires (remove, restart, for each), and the next join shows the room afresh', async () => {
    const { ada, hostRoom, room, state, removed } = await setup(150);
    const heldAtExpiry: number[] = [];
    ada.on('session-expired', () => heldAtExpiry.push(state.size));
    const othersSaw: string[] = [];
    hostRoom.on('member-leave', ({ reason }) => othersSaw.push(reason));
    proxy.block();
    await eventually(() => othersSaw.length === 1, "the server ended Ada's session");
    expect(othersSaw).toEqual([ErrorCode.SESSION_EXPIRED]);
    proxy.unblock();
    await eventually(() => heldAtExpiry.length === 1, 'Ada told her session expired');
    // Emptied before the app heard of it: nothing of the ended session is left to draw.
    expect(heldAtExpiry).toEqual([0]);
    expect(removed.sort()).toEqual(['Ada:restart', 'Host:restart']);
    expect(state.stats().restarts).toBe(1);
    // A new session joins again: the room's world from a new stream, nothing left of the old to restart.
    await eventually(() => ada.state === 'open', 'a fresh session');
    const added: string[] = [];
    state.on('add', (e) => added.push(isEntityOf(e, Car) ? e.state.name : '?'));
    await ada.join(hostRoom.roomId);
    await eventually(() => names(state).join() === room.names().join(), 'the garage shown again');
    expect(names(state)).toEqual(['Ada', 'Host']);
    expect(added.sort()).toEqual(['Ada', 'Host']);
    expect(removed).toHaveLength(2);
    expect(state.stats().restarts).toBe(1);
    expect(state.stats().resyncs).toBe(0);
  });

  it('keeps what it holds through a resume: no removals, and it goes on following the room', async () => {
    const { ada, host, hostRoom, room, state, removed } = await setup();
    const reconnects: boolean[] = [];
    ada.on('reconnect', ({ resumed }) => reconnects.push(resumed));
    const ids = [...state.entities()].map((e) => e.id).sort();
    proxy.dropAll();
    await eventually(() => reconnects.length === 1, 'Ada back');
    expect(reconnects).toEqual([true]);
    expect([...state.entities()].map((e) => e.id).sort()).toEqual(ids);
    // Still the room's: a newcomer's car shows.
    const bea = t.client({ name: 'Bea', serverLink: 'off' });
    await bea.connect();
    await bea.join(hostRoom.roomId);
    await eventually(() => names(state).join() === 'Ada,Bea,Host', "Bea's car shown");
    expect(room.names()).toEqual(['Ada', 'Bea', 'Host']);
    expect(removed).toEqual([]);
    expect(state.stats().restarts).toBe(0);
    host.close();
  });

  it('is emptied when the client closes, and the next session shows the room afresh', async () => {
    const { ada, hostRoom, room, state, removed } = await setup();
    const heldAtClose: number[] = [];
    ada.on('closed', () => heldAtClose.push(state.size));
    await ada.close();
    expect(heldAtClose).toEqual([0]);
    expect(removed.sort()).toEqual(['Ada:restart', 'Host:restart']);
    await ada.connect();
    await ada.join(hostRoom.roomId);
    await eventually(() => names(state).join() === room.names().join(), 'the garage shown again');
    expect(state.stats().restarts).toBe(1);
  });

  it('after room.leave() keeps showing what it held, with no events, until the next room replaces it', async () => {
    const { ada, host, adaRoom, state, removed } = await setup();
    await adaRoom.leave();
    await eventually(() => ada.room === undefined, 'Ada out');
    // No snapshot says the room is gone: the app that left knows it, and disposes of the state or reads
    // `client.room` before drawing it (a switch to the next room shows no empty frame meanwhile).
    expect(names(state)).toEqual(['Ada', 'Host']);
    expect(removed).toEqual([]);
    const other = await host.create('garage');
    const otherRoom = GarageRoom.byId.get(other.roomId) as GarageRoom;
    await ada.join(other.roomId);
    // The same names (Host moved along), other cars: the state starts over from the next room's stream.
    await eventually(() => state.stats().restarts === 1, 'the next room shown');
    expect(names(state)).toEqual(otherRoom.names());
    expect(removed.sort()).toEqual(['Ada:restart', 'Host:restart']);
  });
});
