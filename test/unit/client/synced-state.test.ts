import { Channel, isEntityOf, type SyncedChange, SyncedState, type SyncLink } from 'vehikill-net/client';
import { CountingMetrics, ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import {
  type AnyEntityType,
  bool,
  codesToState,
  entity,
  int,
  SyncTag,
  string,
  vec2,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Tank = entity('tank', {
  position: vec2({ min: -500, max: 500, precision: 0.01 }),
  hp: int({ min: 0, max: 100 }),
  name: string({ maxLength: 200 }),
});
const Flag = entity('flag', { team: int({ min: 0, max: 3 }) });
const types = [Tank, Flag] as const;

type Listener = (channel: Channel, bytes: Uint8Array) => void;

/** One member and its client, joined by hand: what the server sends, and what the client sends back. */
class Pair {
  readonly listeners = new Set<Listener>();
  /** Framed messages the server sent (before any loss). */
  readonly sent: Uint8Array[] = [];
  readonly inputs: Uint8Array[] = [];
  dropToClient = false;
  dropToServer = false;
  readonly client: RoomClient;
  readonly link: SyncLink;

  constructor(
    readonly name: string,
    readonly sync: () => RoomSync,
  ) {
    this.client = { playerId: name, userId: name, name, away: false, rttMs: 0 } as unknown as RoomClient;
    this.link = {
      send: (channel, bytes) => {
        if (this.dropToServer) return true;
        const app = this.sync().receive(this.client, channel, bytes);
        if (app !== undefined) this.inputs.push(app);
        return true;
      },
      onMessage: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }

  deliver(bytes: Uint8Array): void {
    this.sent.push(bytes);
    if (this.dropToClient) return;
    for (const listener of this.listeners) listener(Channel.phys, bytes);
  }
}

function setup(
  options: {
    deflateAboveBytes?: number;
    budgetBytes?: number;
    visible?: (client: RoomClient, id: number) => boolean;
  } = {},
) {
  const clock = new ManualClock();
  const clients: RoomClient[] = [];
  const pairs = new Map<RoomClient, Pair>();
  const metrics = new CountingMetrics();
  const sync: RoomSync = new RoomSync(
    { clients, clock },
    {
      types,
      metrics,
      send: (client, bytes) => pairs.get(client)?.deliver(bytes),
      ...options,
    },
  );
  const join = (name: string) => {
    const pair = new Pair(name, () => sync);
    pairs.set(pair.client, pair);
    clients.push(pair.client);
    return pair;
  };
  let tick = 0;
  /** One 50 ms simulation step: the room flushes after it. */
  const step = () => {
    clock.advance(50);
    sync.flush(++tick);
  };
  return { clock, clients, sync, join, step, metrics };
}

describe('RoomSync and SyncedState', () => {
  it('add, change (with the changed fields) and remove events follow the server world', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const events: string[] = [];
    const changes: SyncedChange<(typeof types)[number]>[] = [];
    state.on('add', (e) => events.push(`add ${e.id} ${e.type.name}`));
    state.on('remove', (e) => events.push(`remove ${e.id}`));
    state.on('change', (e) => changes.push(e));

    const tank = sync.world.spawn(Tank, { position: { x: 1, y: 2 }, hp: 100, name: 'ada' });
    const flag = sync.world.spawn(Flag, { team: 2 });
    step();
    expect(events).toEqual([`add ${tank} tank`, `add ${flag} flag`]);
    const held = state.get(tank, Tank);
    expect(state.get(tank, Flag)).toBeUndefined();
    expect(held?.type).toBe(Tank);
    expect(held?.state.hp).toBe(100);
    expect(held?.state).toEqual({ position: { x: 1, y: 2 }, hp: 100, name: 'ada' });

    sync.world.update(tank, Tank, { position: { x: 1, y: 2 }, hp: 90, name: 'ada' });
    step();
    expect(changes.map((c) => [c.id, c.changed])).toEqual([[tank, ['hp']]]);
    const change = changes[0];
    // The entity types narrow the state: `type` tells the union apart.
    if (!isEntityOf(change, Tank)) throw new Error('expected a tank');
    expect(change.state.hp).toBe(90);

    sync.world.remove(flag);
    step();
    expect(events.at(-1)).toBe(`remove ${flag}`);
    expect([...state.entities()].map((e) => e.id)).toEqual([tank]);
    step(); // nothing changed: no events, an empty snapshot
    expect(changes).toHaveLength(1);
    expect(state.stats()).toMatchObject({ applied: 4, snapshotsReceived: 4, entities: 1, badFrames: 0 });
  });

  it('a remove event says whether the entity was destroyed or only left the view', () => {
    const hidden = new Set<number>();
    const { sync, join, step, clock } = setup({ visible: (_client, id) => !hidden.has(id) });
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const removes: string[] = [];
    state.on('remove', (e) => {
      // The last state held comes with the reason.
      if (isEntityOf(e, Tank)) removes.push(`${e.id} ${e.reason} hp ${e.state.hp}`);
      else removes.push(`${e.id} ${e.reason}`);
    });
    // An existing listener that reads only the entity keeps working.
    const ids: number[] = [];
    state.on('remove', ({ id }) => ids.push(id));
    const scout = sync.world.spawn(Tank, { position: { x: 0, y: 0 }, hp: 70, name: 'scout' });
    const tank = sync.world.spawn(Tank, { position: { x: 5, y: 0 }, hp: 100, name: 'tank' });
    const flag = sync.world.spawn(Flag, { team: 1 });
    step();
    hidden.add(scout);
    sync.world.remove(tank);
    step();
    expect(removes).toEqual([`${scout} leftView hp 70`, `${tank} destroyed hp 100`]);
    // Out of sight and then destroyed there: the client already let it go, nothing more.
    sync.world.remove(scout);
    step();
    hidden.add(flag);
    step();
    expect(removes).toEqual([`${scout} leftView hp 70`, `${tank} destroyed hp 100`, `${flag} leftView`]);
    expect(ids).toEqual([scout, tank, flag]);
    hidden.delete(flag);
    step();
    expect(state.get(flag, Flag)?.state.team).toBe(1);
  });

  it('with nobody listening for changes, the state still follows, and an unchanged state stays the same object', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const tank = sync.world.spawn(Tank, { position: { x: 1, y: 2 }, hp: 100, name: 'ada' });
    const flag = sync.world.spawn(Flag, { team: 1 });
    step();
    const flagBefore = state.get(flag, Flag)?.state;
    sync.world.update(tank, Tank, { position: { x: 3, y: 2 }, hp: 80, name: 'ada' });
    step();
    const held = state.get(tank, Tank);
    expect(held?.state).toEqual({ position: { x: 3, y: 2 }, hp: 80, name: 'ada' });
    expect(held?.tick).toBe(2);
    expect(state.get(flag, Flag)?.state).toBe(flagBefore);
    // A listener added later hears the next change, with the fields that changed.
    const changes: string[][] = [];
    state.on('change', (e) => changes.push([...e.changed]));
    sync.world.update(tank, Tank, { position: { x: 3, y: 2 }, hp: 70, name: 'ada' });
    step();
    expect(changes).toEqual([['hp']]);
  });

  it('a state is read-only through and through: a vector written by one reader cannot change what others read', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const tank = sync.world.spawn(Tank, { position: { x: 1, y: 2 }, hp: 100, name: 'ada' });
    step();
    const held = state.get(tank, Tank);
    if (held === undefined) throw new Error('expected the tank');
    // Every reader gets the same state object until the entity changes (see the test above): a vector
    // moved in place by one (an extrapolation, say) was what the next `get` and the next `change` showed.
    expect(() => {
      // @ts-expect-error a synced state is read-only
      held.state.position.x = 50;
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error a synced state is read-only
      held.state.hp = 1;
    }).toThrow(TypeError);
    expect(state.get(tank, Tank)?.state).toEqual({ position: { x: 1, y: 2 }, hp: 100, name: 'ada' });
  });

  it('acks flow back (ack-only messages), so snapshots become deltas; inputs carry acks to the room', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const ids = Array.from({ length: 10 }, (_, i) =>
      sync.world.spawn(Tank, { position: { x: i, y: 0 }, hp: 100, name: 'n' }),
    );
    step();
    const first = alice.sent.at(-1)?.length ?? 0;
    sync.world.update(ids[3] as number, Tank, { position: { x: 3, y: 1 }, hp: 100, name: 'n' });
    step();
    const second = alice.sent.at(-1)?.length ?? 0;
    expect(second).toBeLessThan(first / 5); // one delta, against the acked baseline
    expect(sync.stats().acksReceived).toBe(2);
    expect(alice.inputs).toEqual([]); // ack-only messages are not the room's

    expect(state.sendInput(Uint8Array.of(7, 8))).toBe(true);
    expect(alice.inputs).toEqual([Uint8Array.of(7, 8)]);
    expect(sync.stats().acksReceived).toBe(3);
    state.sendApp(Uint8Array.of(9));
    expect(alice.inputs.at(-1)).toEqual(Uint8Array.of(9));
    // A resync from the room (e.g. on resume) sends full states again.
    sync.resync(alice.client);
    step();
    expect(alice.sent.at(-1)?.length).toBe(first);
    state.dispose();
    expect(state.sendInput(Uint8Array.of(1))).toBe(false);
    // Other channels are not framed and pass through as they are.
    expect(sync.receive(alice.client, Channel.event, Uint8Array.of(1))).toEqual(Uint8Array.of(1));
  });

  /** A state acking with a delay of 20 ms, on a link that takes no message over 16 KiB; the tags sent. */
  function delayedAcks() {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const sentTags: number[] = [];
    const link: SyncLink = {
      send: (channel, bytes) => {
        if (bytes.length > 16_384) return false;
        sentTags.push(bytes[0] as number);
        return alice.link.send(channel, bytes);
      },
      onMessage: alice.link.onMessage,
    };
    const state = new SyncedState(link, { types, clock, ackDelayMs: 20 });
    sync.world.spawn(Flag, { team: 1 });
    step();
    return { sync, step, clock, state, sentTags };
  }

  it('with ackDelayMs an input sent in time carries the ack, and no ack-only message goes', () => {
    const { step, clock, state, sentTags } = delayedAcks();
    state.sendInput(Uint8Array.of(1));
    clock.advance(30);
    expect(sentTags).toEqual([SyncTag.ackApp]);
    step();
    clock.advance(30);
    expect(sentTags).toEqual([SyncTag.ackApp, SyncTag.ack]);
  });

  it('with ackDelayMs an input the link refused carries no ack: the ack-only message still goes', () => {
    const { sync, clock, state, sentTags } = delayedAcks();
    expect(state.sendInput(new Uint8Array(20_000))).toBe(false);
    expect(state.stats().acksSent).toBe(0);
    clock.advance(30);
    expect(sentTags).toEqual([SyncTag.ack]);
    expect(state.stats().acksSent).toBe(1);
    expect(sync.stats().acksReceived).toBe(1);
  });

  it('counts as sent only the ack-only messages the link took', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    let open = false;
    const link: SyncLink = {
      send: (channel, bytes) => open && alice.link.send(channel, bytes),
      onMessage: alice.link.onMessage,
    };
    const state = new SyncedState(link, { types, clock });
    sync.world.spawn(Flag, { team: 1 });
    step();
    expect(state.stats()).toMatchObject({ applied: 1, acksSent: 0 });
    open = true;
    step();
    expect(state.stats()).toMatchObject({ applied: 2, acksSent: 1 });
    expect(sync.stats().acksReceived).toBe(1);
  });

  it('converges through lost snapshots and lost acks', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const ids = Array.from({ length: 20 }, (_, i) =>
      sync.world.spawn(Tank, { position: { x: i, y: 0 }, hp: 100, name: `t${i}` }),
    );
    for (let round = 0; round < 60; round++) {
      alice.dropToClient = round % 3 === 1;
      alice.dropToServer = round % 4 === 2;
      for (const [index, id] of ids.entries()) {
        if ((index + round) % 3 === 0) {
          sync.world.update(id, Tank, {
            position: { x: index, y: round },
            hp: 100 - round,
            name: `t${index}`,
          });
        }
      }
      step();
    }
    alice.dropToClient = false;
    alice.dropToServer = false;
    step();
    step();
    for (const id of ids) {
      const server = sync.world.get(id);
      expect(state.codesOf(id)).toEqual(server?.codes);
      expect(state.get(id)?.state).toEqual(codesToState(Tank, server?.codes ?? []));
    }
  });

  // The decoder reuses the arrays of copies out of its window: not one SyncedState handed out or still reads.
  it('codes handed out by codesOf stay as they were, and states made late are the current ones', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const moving = sync.world.spawn(Tank, { position: { x: 0, y: 0 }, hp: 100, name: 'm' });
    const still = sync.world.spawn(Tank, { position: { x: 5, y: 5 }, hp: 100, name: 's' });
    const kept: { codes: readonly unknown[]; was: unknown[] }[] = [];
    for (let round = 0; round < 200; round++) {
      sync.world.update(moving, Tank, {
        position: { x: round, y: -round },
        hp: 100 - (round % 50),
        name: 'm',
      });
      step();
      const codes = state.codesOf(moving);
      if (round % 9 === 0 && codes !== undefined) kept.push({ codes, was: [...codes] });
    }
    for (const { codes, was } of kept) expect(codes).toEqual(was);
    // Neither state was asked for until now: both are made from the codes held at this point.
    for (const id of [moving, still]) {
      expect(state.get(id)?.state).toEqual(codesToState(Tank, sync.world.get(id)?.codes ?? []));
    }
    expect(state.get(moving, Tank)?.state.position).toEqual({ x: 199, y: -199 });
  });

  it('a client that lost its state (a new SyncedState) asks for a resync and gets full states', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    let state = new SyncedState(alice.link, { types, clock });
    const tank = sync.world.spawn(Tank, { position: { x: 0, y: 0 }, hp: 100, name: 'a' });
    step();
    state.dispose();
    state = new SyncedState(alice.link, { types, clock });
    sync.world.update(tank, Tank, { position: { x: 5, y: 0 }, hp: 100, name: 'a' });
    step(); // a delta the new decoder has no baseline for
    expect(state.stats().resyncs).toBe(1);
    expect(state.size).toBe(0);
    step();
    expect(state.get(tank)?.state).toEqual({ position: { x: 5, y: 0 }, hp: 100, name: 'a' });
  });

  it('deflates a large full snapshot, not a small delta, and counts the choice', () => {
    const { sync, join, step, clock, metrics } = setup({ budgetBytes: 16_000 });
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const ids = Array.from({ length: 40 }, (_, i) =>
      sync.world.spawn(Tank, {
        position: { x: i, y: i },
        hp: 100,
        name: `vehicle number ${i} of the red team, with a long and repetitive name`,
      }),
    );
    step();
    const full = alice.sent[0] as Uint8Array;
    expect(full[0]).toBe(SyncTag.deflatedSnapshot);
    expect(state.size).toBe(40);
    expect(state.stats().deflated).toBe(1);
    sync.world.update(ids[0] as number, Tank, {
      position: { x: 1, y: 1 },
      hp: 99,
      name: `vehicle number 0 of the red team, with a long and repetitive name`,
    });
    step();
    expect(alice.sent[1]?.[0]).toBe(SyncTag.snapshot);
    expect(sync.stats()).toMatchObject({ deflateChosen: 1, deflateNotChosen: 0, snapshotsSent: 2 });
    expect(metrics.total('sync_deflate_total', { chosen: 'yes' })).toBe(1);
    expect(state.get(ids[0] as number)?.state).toMatchObject({ hp: 99 });
  });

  it('sends a large snapshot as it is when deflate does not make it smaller', () => {
    const { sync, join, step, clock, metrics } = setup({ budgetBytes: 16_000, deflateAboveBytes: 64 });
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    // Seeded uniform positions and hp: random bits at every bit offset, which deflate cannot shorten
    // (text would not do: deflate codes its bytes in fewer bits whenever they land byte-aligned).
    let seed = 7;
    const uniform = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31) * below;
    };
    for (let i = 0; i < 60; i++) {
      const position = { x: uniform(1000) - 500, y: uniform(1000) - 500 };
      sync.world.spawn(Tank, { position, hp: Math.floor(uniform(101)), name: '' });
    }
    step();
    expect(alice.sent[0]?.[0]).toBe(SyncTag.snapshot);
    expect(metrics.total('sync_deflate_total', { chosen: 'no' })).toBe(1);
    expect(state.size).toBe(60);
  });

  it('stops trying to deflate a member whose snapshots do not shrink, and tries again now and then', () => {
    const { sync, join, step, clock } = setup({ budgetBytes: 16_000, deflateAboveBytes: 64 });
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    // Random positions moved every tick: deltas of random bits, which deflate cannot shorten.
    let seed = 11;
    const uniform = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31) * below;
    };
    const ids = Array.from({ length: 60 }, () =>
      sync.world.spawn(Tank, { position: { x: 0, y: 0 }, hp: 1, name: '' }),
    );
    const move = () => {
      for (const id of ids) {
        const position = { x: uniform(1000) - 500, y: uniform(1000) - 500 };
        sync.world.update(id, Tank, { position, hp: Math.floor(uniform(101)), name: '' });
      }
    };
    for (let tick = 0; tick < 200; tick++) {
      move();
      step();
    }
    const { deflateChosen, deflateNotChosen, deflateSkipped, snapshotsSent } = sync.stats();
    expect(snapshotsSent).toBe(200);
    expect(deflateChosen).toBe(0);
    // Four misses, then pauses of 8, 16, 32 and 64 snapshots with one try after each: tries keep going,
    // rarely.
    expect(deflateNotChosen).toBeGreaterThanOrEqual(5);
    expect(deflateNotChosen).toBeLessThanOrEqual(10);
    expect(deflateSkipped).toBe(200 - deflateNotChosen);
    // A try that pays (long repeated names) brings tries back for every snapshot.
    const named = (i: number) => ({ position: { x: i, y: i }, hp: 100, name: 'the red team, long name' });
    for (let tick = 0; ; tick++) {
      for (const [i, id] of ids.entries()) sync.world.update(id, Tank, named(i + tick));
      step();
      if (sync.stats().deflateChosen > 0) break;
      expect(tick).toBeLessThan(70);
    }
    const before = sync.stats();
    for (let tick = 0; tick < 5; tick++) {
      for (const [i, id] of ids.entries()) sync.world.update(id, Tank, named(i + 100 + tick));
      step();
    }
    expect(sync.stats().deflateSkipped).toBe(before.deflateSkipped);
    expect(sync.stats().deflateChosen + sync.stats().deflateNotChosen).toBe(
      before.deflateChosen + before.deflateNotChosen + 5,
    );
    expect(state.get(ids[0] as number)?.state).toMatchObject({ name: 'the red team, long name' });
  });

  it('sends to each member at its own rate, skips away members, forgets leavers', () => {
    const { sync, join, step, clients } = setup();
    const alice = join('alice');
    const bob = join('bob');
    sync.world.spawn(Flag, { team: 0 });
    sync.setRate(bob.client, 10);
    for (let i = 0; i < 20; i++) step(); // 1 s at 20 Hz
    expect(alice.sent).toHaveLength(20);
    expect(bob.sent).toHaveLength(10);
    (alice.client as { away: boolean }).away = true;
    step();
    expect(alice.sent).toHaveLength(20);
    clients.splice(clients.indexOf(bob.client), 1);
    step();
    expect(sync.stats().members).toBe(1);
    expect(() => sync.setRate(alice.client, 0)).toThrow(RangeError);
  });

  it('disposed from a listener, emits nothing more, not even the rest of that snapshot', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const events: string[] = [];
    // The game ends when the flag appears: the state is disposed of in the middle of a snapshot.
    state.on('add', (e) => {
      events.push(`add ${e.id}`);
      if (e.type === Flag) state.dispose();
    });
    state.on('snapshot', () => events.push('snapshot'));
    const flag = sync.world.spawn(Flag, { team: 0 });
    sync.world.spawn(Tank, { position: { x: 1, y: 2 }, hp: 100, name: 'ada' });
    step();
    expect(events).toEqual([`add ${flag}`]);
    step();
    expect(events).toEqual([`add ${flag}`]);
    // What it held stays readable.
    expect(state.get(flag, Flag)?.state.team).toBe(0);
  });

  it('disposed from one listener, calls no other listener of that event with it', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const events: string[] = [];
    state.on('add', () => state.dispose());
    // The game's renderer, subscribed after the listener that ends the game.
    state.on('add', (e) => events.push(`add ${e.id}`));
    sync.world.spawn(Flag, { team: 0 });
    step();
    expect(events).toEqual([]);
  });

  it('disposed from a listener with ackDelayMs, leaves no ack timer behind', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock, ackDelayMs: 60_000 });
    state.on('snapshot', () => state.dispose());
    sync.world.spawn(Flag, { team: 0 });
    step();
    // A timer left would hold the disposed state (and its whole world) for the delay, and fire for nothing.
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports bytes per second over the last second, and malformed messages as errors', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const errors: string[] = [];
    state.on('error', (error) => errors.push(error.code));
    sync.world.spawn(Flag, { team: 0 });
    for (let i = 0; i < 20; i++) step();
    const total = alice.sent.reduce((sum, bytes) => sum + bytes.length, 0);
    expect(state.stats().bytesReceived).toBe(total);
    expect(state.stats().bytesPerSecond).toBe(total); // 20 snapshots in the last second
    clock.advance(1000);
    expect(state.stats().bytesPerSecond).toBe(0);
    alice.deliver(Uint8Array.of(SyncTag.snapshot, 1, 2));
    alice.deliver(Uint8Array.of(SyncTag.deflatedSnapshot, 0xff, 0xff));
    alice.deliver(Uint8Array.of(77));
    expect(errors).toEqual(['BAD_FRAME', 'BAD_FRAME', 'BAD_FRAME']);
    expect(state.stats().badFrames).toBe(3);
    // The room's side: a client sending a snapshot, or garbage, is dropped and counted.
    expect(sync.receive(alice.client, Channel.phys, Uint8Array.of(SyncTag.snapshot))).toBeUndefined();
    expect(sync.receive(alice.client, Channel.phys, new Uint8Array(0))).toBeUndefined();
    expect(sync.stats().badFrames).toBe(2);
  });

  it('refuses a deflated snapshot that inflates past maxSnapshotBytes', async () => {
    const { deflateSync } = await import('fflate');
    const { join, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock, maxSnapshotBytes: 100 });
    const errors: string[] = [];
    state.on('error', (error) => errors.push(error.message));
    const bomb = deflateSync(new Uint8Array(10_000));
    const framed = new Uint8Array(bomb.length + 1);
    framed[0] = SyncTag.deflatedSnapshot;
    framed.set(bomb, 1);
    alice.deliver(framed);
    expect(errors).toEqual(['sync frame: snapshot over 100 bytes']);
  });
});

describe('SyncedState with entity types that are not the server’s', () => {
  const Rock = entity('rock', { size: int({ min: 0, max: 100 }) });
  const Ship = entity('ship', { size: int({ min: 0, max: 100 }) });
  const WideShip = entity('ship', { size: int({ min: 0, max: 120 }) });
  const BoostingShip = entity('ship', { size: int({ min: 0, max: 100 }), boosting: bool() });
  const Mine = entity('mine', { armed: bool() });

  it.each([
    // Same shapes, so every record would parse: a ship applied as a rock.
    ['in another order', [Rock, Ship], [Ship, Rock]],
    ['with a range changed', [Rock, Ship], [Rock, WideShip]],
    // A newer server: its records misread as something else, or as malformed.
    ['with a field added', [Rock, BoostingShip], [Rock, Ship]],
    ['with a type added', [Rock, Ship, Mine], [Rock, Ship]],
  ])('applies nothing, says so once, and is sent no more: types %s', (_case, serverTypes, clientTypes) => {
    const clock = new ManualClock();
    const clients: RoomClient[] = [];
    let sync: RoomSync | undefined;
    const pair = new Pair('alice', () => sync as RoomSync);
    sync = new RoomSync({ clients, clock }, { types: serverTypes, send: (_c, bytes) => pair.deliver(bytes) });
    clients.push(pair.client);
    const shipType: AnyEntityType = serverTypes[1] as AnyEntityType;
    sync.world.spawn(
      shipType,
      (shipType === BoostingShip ? { size: 77, boosting: true } : { size: 77 }) as never,
    );
    const state = new SyncedState(pair.link, { types: clientTypes, clock });
    const added: string[] = [];
    const errors: string[] = [];
    state.on('add', (event) => added.push(event.type.name));
    state.on('error', (error) => errors.push(`${error.code} ${error.message}`));
    for (let tick = 1; tick <= 10; tick++) {
      clock.advance(50);
      sync.flush(tick);
    }
    expect(added).toEqual([]);
    expect(errors).toEqual([
      "SYNC_TYPES_MISMATCH sync: the server's entity types are not this side's (the same list, in the same order, declared alike): this page was built with other entity types than the server's (an older or newer build): reload the page, or rebuild the client with the server’s types",
    ]);
    // The server heard from the first snapshot that no other could apply, and sent none of the nine after it.
    expect(state.stats()).toMatchObject({ snapshotsReceived: 1, applied: 0, resyncs: 1, entities: 0 });
    expect(sync.stats().typesMismatched).toBe(1);
  });

  it('the same types declared again apply as usual', () => {
    const clock = new ManualClock();
    const clients: RoomClient[] = [];
    let sync: RoomSync | undefined;
    const pair = new Pair('alice', () => sync as RoomSync);
    sync = new RoomSync(
      { clients, clock },
      { types: [Rock, Ship], send: (_c, bytes) => pair.deliver(bytes) },
    );
    clients.push(pair.client);
    sync.world.spawn(Ship, { size: 77 });
    const twin = [
      entity('rock', { size: int({ min: 0, max: 100 }) }),
      entity('ship', { size: int({ min: 0, max: 100 }) }),
    ];
    const state = new SyncedState(pair.link, { types: twin, clock });
    clock.advance(50);
    sync.flush(1);
    expect([...state.entities()].map((held) => [held.type.name, held.state])).toEqual([
      ['ship', { size: 77 }],
    ]);
  });
});

describe('SyncedState after a long freeze', () => {
  it('is back in step after missing half the seq space of snapshots in a row (a tab frozen for 27 minutes)', () => {
    const { sync, join, step, clock } = setup();
    const alice = join('alice');
    const state = new SyncedState(alice.link, { types, clock });
    const tank = sync.world.spawn(Tank, { position: { x: 1, y: 2 }, hp: 100, name: 'ada' });
    const flag = sync.world.spawn(Flag, { team: 2 });
    step();
    step();
    expect(state.size).toBe(2);
    // Frozen: nothing reaches the page and it sends nothing, while the world moves on.
    alice.dropToClient = true;
    alice.dropToServer = true;
    sync.world.remove(flag);
    sync.world.update(tank, Tank, { position: { x: 1, y: 2 }, hp: 50, name: 'ada' });
    for (let index = 0; index < 40_000; index++) step();
    expect(sync.stats().snapshotsStalled).toBeGreaterThan(39_000);

    alice.dropToClient = false;
    alice.dropToServer = false;
    const removed: number[] = [];
    state.on('remove', (entity) => removed.push(entity.id));
    for (let index = 0; index < 3; index++) step();
    expect(removed).toEqual([flag]);
    expect(state.get(tank, Tank)?.state.hp).toBe(50);
    expect(state.stats()).toMatchObject({ stale: 0, resyncs: 0, entities: 1 });
  });
});
