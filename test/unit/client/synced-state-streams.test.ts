import { Channel, type SyncedState as State, SyncedState, type SyncLink } from 'vehikill-net/client';
import { ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

/*
 * A client's SyncedState must show the room it is in, as the RoomSync it is served by now: after a room
 * switch, or after the room replaced its RoomSync (a new round), whatever the seqs of the streams are and
 * whatever of the old stream is still on its way.
 */

const Marker = entity('marker', { room: int({ min: 0, max: 255 }), round: int({ min: 0, max: 255 }) });
const types = [Marker] as const;

type Listener = (channel: Channel, bytes: Uint8Array) => void;

/** What the client knows of its seating: the membership of the room it is in, and whether it is joining. */
interface Seating {
  membership: number | undefined;
  joining: boolean;
  session?: number;
}

/** One player's link: the server's snapshots wait in `inFlight` until delivered (a slow path). */
class PlayerLink {
  readonly listeners = new Set<Listener>();
  readonly inFlight: Uint8Array[] = [];
  /** Where acks and inputs go: the RoomSync serving the player now. */
  serving: (() => { sync: RoomSync; client: RoomClient }) | undefined;
  readonly link: SyncLink;

  constructor(seating?: Seating) {
    this.link = {
      send: (channel, bytes) => {
        const serving = this.serving?.();
        serving?.sync.receive(serving.client, channel, bytes);
        return true;
      },
      onMessage: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      ...(seating ? { seating: () => ({ ...seating }) } : {}),
    };
  }

  /** Delivers what is on its way, oldest first. */
  deliver(): void {
    for (const bytes of this.inFlight.splice(0)) {
      for (const listener of this.listeners) listener(Channel.phys, bytes);
    }
  }
}

/** A room with its own world: a marker per round, the player's seat numbered `membership`. */
class FakeRoom {
  readonly clock = new ManualClock();
  readonly clients: RoomClient[] = [];
  sync!: RoomSync;
  tick = 0;
  round = 0;

  constructor(
    readonly number: number,
    readonly player: PlayerLink,
  ) {}

  seat(membership: number): RoomClient {
    const client = { playerId: 'p', userId: 'p', name: 'p', away: false, rttMs: 0, membership };
    this.clients.push(client as unknown as RoomClient);
    return client as unknown as RoomClient;
  }

  /** A new round: a new RoomSync (its first seq from `random`), one marker in its world. */
  newRound(random: number): void {
    this.round++;
    this.sync = new RoomSync(this, {
      types,
      random: () => random,
      send: (_client, bytes) => this.player.inFlight.push(bytes),
    });
    this.sync.world.spawn(Marker, { room: this.number, round: this.round });
  }

  step(): void {
    this.clock.advance(50);
    this.sync.flush(++this.tick);
  }
}

function markers(state: State<typeof types>): string[] {
  return [...state.entities()].map((e) => `${e.state.room}.${e.state.round}`);
}

function added(state: State<typeof types>): string[] {
  const seen: string[] = [];
  state.on('add', (e) => seen.push(`${e.state.room}.${e.state.round}`));
  return seen;
}

describe('SyncedState across streams', () => {
  it('a new RoomSync in the room: the old world goes, the new one shows, whatever the seqs', () => {
    const player = new PlayerLink();
    const room = new FakeRoom(1, player);
    const client = room.seat(1);
    player.serving = () => ({ sync: room.sync, client });
    room.newRound(0.6); // seqs from about 39,300
    const state = new SyncedState(player.link, { types });
    const removed: string[] = [];
    state.on('remove', (e) => removed.push(`${e.state.room}.${e.state.round} ${e.reason}`));
    for (let i = 0; i < 5; i++) {
      room.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['1.1']);
    room.step(); // the last snapshot of round 1 is still on its way when round 2 begins
    const straggler = player.inFlight.splice(0);
    room.newRound(0.3); // seqs from about 19,700: "behind" round 1's
    const seen = added(state);
    for (let i = 0; i < 3; i++) {
      room.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['1.2']);
    // A restart, not a destruction: the client knows its stream started over.
    expect(removed).toEqual(['1.1 restart']);
    expect(seen).toEqual(['1.2']);
    // Round 1's last snapshot arrives late: it is not the state's stream any more.
    player.inFlight.push(...straggler);
    player.deliver();
    expect(markers(state)).toEqual(['1.2']);
    expect(state.stats()).toMatchObject({ restarts: 1 });
    // Acks reach round 2's RoomSync: its snapshots are deltas (nothing changed: tiny) once acked.
    room.step();
    expect(player.inFlight.at(-1)?.length).toBeLessThan(16);
  });

  it('after a room switch, a new state never applies the old room’s snapshots, however late they come', () => {
    const seating: Seating = { membership: 1, joining: false };
    const player = new PlayerLink(seating);
    const roomA = new FakeRoom(1, player);
    const roomB = new FakeRoom(2, player);
    const inA = roomA.seat(1);
    roomA.newRound(0.1); // B's seqs "behind" A's: only the seating may decide
    roomB.newRound(0.9);
    // A's acks are slow too (nothing reaches A): its snapshots stay full states, which any decoder takes.
    void inA;
    let state = new SyncedState(player.link, { types });
    for (let i = 0; i < 3; i++) {
      roomA.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['1.1']);
    // docs/sync.md "One per join": dispose the old state, make a new one, join B.
    state.dispose();
    state = new SyncedState(player.link, { types });
    const seen = added(state);
    seating.joining = true;
    for (let i = 0; i < 3; i++) roomA.step(); // A's snapshots are still on their way
    player.deliver();
    expect(state.size).toBe(0);
    // The join's answer: the player sits in B (membership 2) and A forgets it.
    const inB = roomB.seat(2);
    roomA.clients.length = 0;
    seating.membership = 2;
    seating.joining = false;
    player.serving = () => ({ sync: roomB.sync, client: inB });
    roomA.tick++;
    roomA.sync.flush(roomA.tick); // nobody there now
    for (let i = 0; i < 3; i++) {
      roomB.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['2.1']);
    expect(seen).toEqual(['2.1']);
    expect(state.stats().otherRoom).toBeGreaterThanOrEqual(3);
  });

  it('a new session’s first room starts the state over, though its seating has the old one’s numbers', () => {
    // Memberships and RoomSync epochs are numbered per session and per room: both streams are (1, 0).
    const seating: Seating = { membership: 1, joining: false, session: 1 };
    const player = new PlayerLink(seating);
    const roomA = new FakeRoom(1, player);
    const roomB = new FakeRoom(2, player);
    const inA = roomA.seat(1);
    player.serving = () => ({ sync: roomA.sync, client: inA });
    roomA.newRound(0.9);
    roomB.newRound(0.1); // B's seqs "behind" A's: as the same stream, every one of them would be stale
    const state = new SyncedState(player.link, { types });
    const removed: string[] = [];
    state.on('remove', (e) => removed.push(`${e.state.room}.${e.state.round} ${e.reason}`));
    for (let i = 0; i < 3; i++) {
      roomA.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['1.1']);
    // The session expired (or close() then connect()); the new one joins B, seated as membership 1 again.
    const inB = roomB.seat(1);
    seating.session = 2;
    player.serving = () => ({ sync: roomB.sync, client: inB });
    const seen = added(state);
    for (let i = 0; i < 3; i++) {
      roomB.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['2.1']);
    expect(removed).toEqual(['1.1 restart']);
    expect(seen).toEqual(['2.1']);
    expect(state.stats()).toMatchObject({ restarts: 1, stale: 0 });
    // Acked as a stream of its own: B's snapshots are deltas once acked.
    roomB.step();
    expect(player.inFlight.at(-1)?.length).toBeLessThan(16);
  });

  it('a new session back in the same room removes what was held as a restart, not destroyed, and adds it again', () => {
    // The session expired and the player joined the same room again: the world never lost the marker.
    const seating: Seating = { membership: 1, joining: false, session: 1 };
    const player = new PlayerLink(seating);
    const room = new FakeRoom(1, player);
    const before = room.seat(1);
    player.serving = () => ({ sync: room.sync, client: before });
    room.newRound(0.5);
    const state = new SyncedState(player.link, { types });
    const events: string[] = [];
    state.on('remove', (e) => events.push(`remove ${e.state.room}.${e.state.round} ${e.reason}`));
    state.on('add', (e) => events.push(`add ${e.state.room}.${e.state.round}`));
    for (let i = 0; i < 3; i++) {
      room.step();
      player.deliver();
    }
    expect(events).toEqual(['add 1.1']);
    room.clients.length = 0;
    const after = room.seat(1);
    seating.session = 2;
    player.serving = () => ({ sync: room.sync, client: after });
    for (let i = 0; i < 3; i++) {
      room.step();
      player.deliver();
    }
    // docs/sync.md's example plays an explosion on 'destroyed': a restart must not blow anything up.
    expect(events).toEqual(['add 1.1', 'remove 1.1 restart', 'add 1.1']);
    expect(markers(state)).toEqual(['1.1']);
    expect(state.stats()).toMatchObject({ restarts: 1 });
  });

  it('a state made in the room it stays in applies that room’s snapshots (a new view, no join)', () => {
    const seating: Seating = { membership: 4, joining: false };
    const player = new PlayerLink(seating);
    const room = new FakeRoom(1, player);
    const client = room.seat(4);
    player.serving = () => ({ sync: room.sync, client });
    room.newRound(0.5);
    let state = new SyncedState(player.link, { types });
    room.step();
    player.deliver();
    state.dispose();
    state = new SyncedState(player.link, { types });
    for (let i = 0; i < 4; i++) {
      room.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['1.1']);
  });

  it('without seating on the link, a later membership starts the state over; an earlier one is stale', () => {
    const player = new PlayerLink();
    const roomA = new FakeRoom(1, player);
    const roomB = new FakeRoom(2, player);
    const inA = roomA.seat(9);
    const inB = roomB.seat(10);
    roomA.newRound(0.6);
    roomB.newRound(0.3);
    player.serving = () => ({ sync: roomA.sync, client: inA });
    const state = new SyncedState(player.link, { types });
    roomA.step();
    player.deliver();
    expect(markers(state)).toEqual(['1.1']);
    roomA.step();
    const lateFromA = player.inFlight.splice(0);
    player.serving = () => ({ sync: roomB.sync, client: inB });
    roomB.step();
    player.deliver();
    expect(markers(state)).toEqual(['2.1']);
    player.inFlight.push(...lateFromA);
    player.deliver();
    expect(markers(state)).toEqual(['2.1']);
  });

  it('a malformed snapshot of a new stream is dropped with the state unchanged, not started over', () => {
    const player = new PlayerLink();
    const room = new FakeRoom(1, player);
    const client = room.seat(1);
    player.serving = () => ({ sync: room.sync, client });
    room.newRound(0.6);
    const state = new SyncedState(player.link, { types });
    const events: string[] = [];
    state.on('remove', (e) => events.push(`remove ${e.state.room}.${e.state.round} ${e.reason}`));
    state.on('error', (error) => events.push(`error ${error.code}`));
    room.step();
    player.deliver();
    expect(markers(state)).toEqual(['1.1']);
    room.newRound(0.3);
    room.step();
    // Round 2's first snapshot, one byte too long: its header names the new stream, its records do not end.
    const [first] = player.inFlight.splice(0);
    player.inFlight.push(new Uint8Array([...(first as Uint8Array), 0]));
    player.deliver();
    expect(events).toEqual(['error BAD_FRAME']);
    expect(markers(state)).toEqual(['1.1']);
    expect(state.stats()).toMatchObject({ restarts: 0, badFrames: 1 });
    // The next intact one starts the state over as usual.
    room.step();
    player.deliver();
    expect(markers(state)).toEqual(['1.2']);
    expect(events).toEqual(['error BAD_FRAME', 'remove 1.1 restart']);
  });

  it('one state following the client from room to room drops the old room’s late snapshots once the answer is in', () => {
    const seating: Seating = { membership: 1, joining: false };
    const player = new PlayerLink(seating);
    const roomA = new FakeRoom(1, player);
    const roomB = new FakeRoom(2, player);
    const inA = roomA.seat(1);
    player.serving = () => ({ sync: roomA.sync, client: inA });
    roomA.newRound(0.1);
    roomB.newRound(0.9);
    const state = new SyncedState(player.link, { types });
    const changes: string[] = [];
    state.on('change', (e) => changes.push(`${e.state.room}.${e.state.round}`));
    for (let i = 0; i < 3; i++) {
      roomA.step();
      player.deliver();
    }
    expect(markers(state)).toEqual(['1.1']);
    // A's marker changes; that snapshot is still on its way when the join of B is answered.
    const [markerId] = [...state.entities()].map((e) => e.id);
    roomA.sync.world.update(markerId as number, Marker, { room: 1, round: 9 });
    roomA.step();
    const late = player.inFlight.splice(0);
    const inB = roomB.seat(2);
    roomA.clients.length = 0;
    seating.membership = 2;
    player.serving = () => ({ sync: roomB.sync, client: inB });
    const otherRoom = state.stats().otherRoom;
    player.inFlight.push(...late);
    player.deliver();
    // The client sits in B now: A's snapshot is another room's, not news of the state it shows.
    expect(changes).toEqual([]);
    expect(markers(state)).toEqual(['1.1']);
    expect(state.stats().otherRoom).toBe(otherRoom + 1);
    roomB.step();
    player.deliver();
    expect(markers(state)).toEqual(['2.1']);
  });
});
