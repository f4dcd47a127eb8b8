import { decodeFrame, Kind, type RoomInfo, serverToClientKinds } from 'vehikill-net/protocol';
import { CountingMetrics, MemoryRegistry, type Registry } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { RoomWatchers } from '../../../src/server/rooms/room-watchers.js';
import type { Session } from '../../../src/server/sessions/session.js';
import { sampleListing } from './registry-contract.js';

/** A session as RoomWatchers sees it: whether it ended or is away, and the lists it was sent. */
class WatchingSession {
  ended = false;
  connected = true;
  readonly lists: string[][] = [];
  /** The encoded messages, as sent. */
  readonly sent: Uint8Array[] = [];
  sendEncoded(inner: Uint8Array): void {
    this.sent.push(inner);
    const { message } = decodeFrame(inner, serverToClientKinds);
    expect(message.kind).toBe(Kind.RoomList);
    const { rooms } = message.body as { rooms: RoomInfo[] };
    this.lists.push(rooms.map((room) => `${room.roomId}:${room.clients}`));
  }
}

/** The address block the lobbies' connections came from. */
const HOME = '198.51.100.1';

function setup(
  options: { failing?: () => boolean; maxQueries?: number; maxQueriesPerAddress?: number } = {},
) {
  const clock = new ManualClock();
  const registry = new MemoryRegistry({ clock });
  let reads = 0;
  const watchers = new RoomWatchers({
    clock,
    metrics: new CountingMetrics(),
    list: async (query) => {
      reads++;
      if (options.failing?.()) throw new Error('registry down');
      const listings = await registry.listRooms({ ...query, includePrivate: false });
      return listings.map(({ locked: _locked, createdAt: _createdAt, ...info }) => info);
    },
    subscribe: (listener) => registry.subscribe(listener),
    intervalMs: 250,
    retryMs: 2_000,
    ...(options.maxQueries === undefined ? {} : { maxQueries: options.maxQueries }),
    ...(options.maxQueriesPerAddress === undefined
      ? {}
      : { maxQueriesPerAddress: options.maxQueriesPerAddress }),
  });
  const session = () => new WatchingSession() as WatchingSession & Session;
  /** Lets the registry's change events (microtasks) and the listing reads settle, then moves time. */
  const advance = async (ms: number) => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
    clock.advance(ms);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, registry: registry as Registry, watchers, session, advance, reads: () => reads };
}

describe('RoomWatchers', () => {
  it('answers a watch with the listing, then sends the new list after each change', async () => {
    const { registry, watchers, session, advance } = setup();
    await registry.addRoom(sampleListing('room1'));
    const lobby = session();
    expect((await watchers.watch(lobby, { type: 'arena' }, HOME)).map((room) => room.roomId)).toEqual([
      'room1',
    ]);
    await registry.addRoom(sampleListing('room2'));
    await advance(250);
    expect(lobby.lists).toEqual([['room1:0', 'room2:0']]);
    await registry.reserveSeat('room1', 'p1');
    await advance(250);
    expect(lobby.lists.at(-1)).toEqual(['room1:1', 'room2:0']);
    await registry.removeRoom('room2');
    await advance(250);
    expect(lobby.lists.at(-1)).toEqual(['room1:1']);
  });

  it('coalesces a burst of changes into one read per query, however many watch it', async () => {
    const { registry, watchers, session, advance, reads } = setup();
    await registry.addRoom(sampleListing('room1', { maxClients: 16 }));
    const lobbies = [session(), session(), session()];
    for (const lobby of lobbies)
      await watchers.watch(lobby, { type: 'arena', filter: { mode: 'ffa' } }, HOME);
    const before = reads();
    for (let seat = 0; seat < 10; seat++) await registry.reserveSeat('room1', `p${seat}`);
    await advance(250);
    expect(reads() - before).toBe(1);
    for (const lobby of lobbies) expect(lobby.lists).toEqual([['room1:10']]);
  });

  it('encodes a changed list once for all the watchers of its query', async () => {
    const { registry, watchers, session, advance } = setup();
    const lobbies = [session(), session(), session()];
    for (const lobby of lobbies) await watchers.watch(lobby, { type: 'arena' }, HOME);
    await registry.addRoom(sampleListing('room1'));
    await advance(250);
    const [first] = lobbies[0]?.sent ?? [];
    expect(first).toBeDefined();
    for (const lobby of lobbies) expect(lobby.sent).toEqual([first]);
    for (const lobby of lobbies) expect(lobby.sent[0]).toBe(first);
  });

  it('lobbies asking for lists of different sizes share one read, each sent the oldest rooms up to its limit', async () => {
    const { registry, watchers, session, advance, reads } = setup();
    const [one, oneToo, three, all] = [session(), session(), session(), session()];
    await watchers.watch(one, { type: 'arena', limit: 1 }, HOME);
    await watchers.watch(oneToo, { type: 'arena', limit: 1 }, HOME);
    await watchers.watch(three, { type: 'arena', limit: 3 }, HOME);
    await watchers.watch(all, { type: 'arena' }, HOME);
    expect(watchers.queries).toBe(1);
    const before = reads();
    for (const id of ['room1', 'room2', 'room3', 'room4']) await registry.addRoom(sampleListing(id));
    await advance(250);
    expect(reads() - before).toBe(1);
    expect(one.lists).toEqual([['room1:0']]);
    expect(three.lists).toEqual([['room1:0', 'room2:0', 'room3:0']]);
    expect(all.lists).toEqual([['room1:0', 'room2:0', 'room3:0', 'room4:0']]);
    // One encoding per list: lobbies with the same list get the same bytes.
    expect(oneToo.sent[0]).toBe(one.sent[0]);
    // A change past a lobby's limit sends it nothing.
    await registry.reserveSeat('room4', 'p1');
    await advance(250);
    expect([one.lists.length, three.lists.length, all.lists.length]).toEqual([1, 1, 2]);
  });

  it('a lobby that asks for more rooms while a shorter read is under way is not sent the shorter list', async () => {
    const { registry, watchers, session, clock } = setup();
    for (const id of ['room1', 'room2']) await registry.addRoom(sampleListing(id));
    const lobby = session();
    await watchers.watch(lobby, { type: 'arena', limit: 1 }, HOME);
    await registry.addRoom(sampleListing('room3'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    // The flush groups the watches and starts reading with limit 1; the lobby then asks for 3.
    clock.advance(250);
    const rooms = await watchers.watch(lobby, { type: 'arena', limit: 3 }, HOME);
    expect(rooms.map((room) => room.roomId)).toEqual(['room1', 'room2', 'room3']);
    for (const list of lobby.lists) expect(list.length).not.toBe(1);
  });

  it('lists of different sizes of one query count as one query, for the node and the address', async () => {
    const { watchers, session } = setup({ maxQueries: 1, maxQueriesPerAddress: 1 });
    await watchers.watch(session(), { type: 'arena', limit: 10 }, HOME);
    await watchers.watch(session(), { type: 'arena', limit: 20 }, HOME);
    await watchers.watch(session(), { type: 'arena' }, '198.51.100.2');
    expect([watchers.size, watchers.queries]).toEqual([3, 1]);
  });

  it('holds back lists from a session that is away; the newest goes when it resumes', async () => {
    const { registry, watchers, session, advance, reads } = setup();
    const [lobby, other] = [session(), session()];
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    await watchers.watch(other, { type: 'arena' }, HOME);
    lobby.connected = false;
    for (const id of ['room1', 'room2', 'room3']) {
      await registry.addRoom(sampleListing(id));
      await advance(250);
    }
    expect(lobby.lists).toEqual([]);
    expect(other.lists.length).toBe(3);
    lobby.connected = true;
    watchers.resumed(lobby, false);
    await advance(250);
    expect(lobby.lists).toEqual([['room1:0', 'room2:0', 'room3:0']]);
    expect(other.lists.length).toBe(3);
    // A resume with nothing held back reads nothing.
    const before = reads();
    watchers.resumed(lobby, false);
    await advance(250);
    expect(reads()).toBe(before);
  });

  it('sends nothing when the change leaves the watched list as it was', async () => {
    const { registry, watchers, session, advance } = setup();
    const lobby = session();
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    await registry.addRoom(sampleListing('other1', { type: 'race' }));
    await advance(250);
    expect(lobby.lists).toEqual([]);
  });

  it('keeps one watch per session, forgets unwatched and ended sessions', async () => {
    const { registry, watchers, session, advance } = setup();
    const [lobby, gone, stopped] = [session(), session(), session()];
    await watchers.watch(lobby, { type: 'race' }, HOME);
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    await watchers.watch(gone, { type: 'arena' }, HOME);
    await watchers.watch(stopped, { type: 'arena' }, HOME);
    watchers.unwatch(stopped);
    gone.ended = true;
    await registry.addRoom(sampleListing('room1'));
    await advance(250);
    expect(lobby.lists).toEqual([['room1:0']]);
    expect(gone.lists).toEqual([]);
    expect(stopped.lists).toEqual([]);
    expect(watchers.size).toBe(1);
  });

  it('reads again after a failed read, and a reset (a lost subscription) makes it list again', async () => {
    let down = false;
    const { registry, watchers, session, advance } = setup({ failing: () => down });
    const lobby = session();
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    down = true;
    await registry.addRoom(sampleListing('room1'));
    await advance(250);
    expect(lobby.lists).toEqual([]);
    down = false;
    await advance(2_000);
    expect(lobby.lists).toEqual([['room1:0']]);
  });

  it('sends a list again after a resync resume, even if unchanged', async () => {
    const { registry, watchers, session, advance } = setup();
    await registry.addRoom(sampleListing('room1'));
    const lobby = session();
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    watchers.resumed(lobby, true);
    await advance(250);
    expect(lobby.lists).toEqual([['room1:0']]);
  });

  it('a list sent during the first read is the answer too, so the answer never takes the lobby back', async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const { watchers, release } = slowFirstRead(clock, registry);
    const lobby = new WatchingSession() as WatchingSession & Session;
    const answer = watchers.watch(lobby, { type: 'arena' }, HOME);
    await registry.addRoom(sampleListing('room1'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    clock.advance(250);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(lobby.lists).toEqual([['room1:0']]);
    release();
    expect((await answer).map((room) => `${room.roomId}:${room.clients}`)).toEqual(['room1:0']);
  });

  it('a lobby away during its first read and back before it ends gets the list held back meanwhile', async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const { watchers, release } = slowFirstRead(clock, registry);
    const settle = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    const lobby = new WatchingSession() as WatchingSession & Session;
    const answer = watchers.watch(lobby, { type: 'arena' }, HOME);
    lobby.connected = false;
    await registry.addRoom(sampleListing('room1'));
    await settle();
    clock.advance(250);
    await settle();
    expect(lobby.lists).toEqual([]);
    lobby.connected = true;
    watchers.resumed(lobby, false);
    release();
    expect(await answer).toEqual([]);
    await settle();
    clock.advance(250);
    await settle();
    expect(lobby.lists).toEqual([['room1:0']]);
  });

  it('refuses a watch of one distinct query too many, and frees the slot when its watchers go', async () => {
    const { watchers, session } = setup({ maxQueries: 2 });
    const [a, b, c, d] = [session(), session(), session(), session()];
    await watchers.watch(a, { type: 'arena' }, HOME);
    await watchers.watch(b, { filter: { mode: 'ffa', map: 'dunes' } }, '198.51.100.2');
    // The same query in another key order is the same query: it shares the slot.
    await watchers.watch(c, { filter: { map: 'dunes', mode: 'ffa' } }, '198.51.100.3');
    const refused = watchers.watch(d, { type: 'race' }, '198.51.100.4');
    await expect(refused).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // The node's limit, no fault of the player's: the message says so.
    await expect(refused).rejects.toThrow(/this server follows as many/);
    expect(watchers.queries).toBe(2);
    watchers.unwatch(a);
    await watchers.watch(d, { type: 'race' }, '198.51.100.4');
    expect(watchers.size).toBe(3);
  });

  it("bounds the distinct queries one address watches; other addresses' watches go on", async () => {
    const { watchers, session } = setup({ maxQueries: 4, maxQueriesPerAddress: 2 });
    const [a, b, c, d, e] = [session(), session(), session(), session(), session()];
    await watchers.watch(a, { type: 'arena' }, HOME);
    await watchers.watch(b, { type: 'race' }, HOME);
    // A query the address watches already takes nothing more.
    await watchers.watch(c, { type: 'arena' }, HOME);
    const refused = watchers.watch(d, { type: 'duel' }, HOME);
    await expect(refused).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(refused).rejects.toThrow(/from your address/);
    await watchers.watch(e, { type: 'duel' }, '2001:db8::/64');
    // Its sessions' watches gone, the address may watch another query.
    watchers.unwatch(b);
    await watchers.watch(d, { type: 'duel' }, HOME);
    expect([watchers.size, watchers.queries]).toEqual([4, 2]);
  });

  it('lets one address watch past its share while the node has room: 50 lobby filters behind one NAT', async () => {
    const { watchers, session } = setup();
    for (let i = 0; i < 50; i++) {
      await watchers.watch(
        session(),
        { type: 'arena', filter: { region: i % 5, mode: `m${Math.floor(i / 5)}` } },
        HOME,
      );
    }
    expect([watchers.size, watchers.queries]).toEqual([50, 50]);
  });

  it("bites once the node is half full: one address takes at most half, the rest stays for others' shares", async () => {
    const { watchers, session } = setup({ maxQueries: 8, maxQueriesPerAddress: 2 });
    // An idle node: one address goes past its share of 2, up to half the node.
    for (const type of ['a', 'b', 'c', 'd']) await watchers.watch(session(), { type }, HOME);
    const refused = watchers.watch(session(), { type: 'e' }, HOME);
    await expect(refused).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(refused).rejects.toThrow(/from your address/);
    // Its sessions may still share what it watches.
    await watchers.watch(session(), { type: 'a' }, HOME);
    // Other addresses get their share of what is left.
    for (const type of ['f', 'g']) await watchers.watch(session(), { type }, '198.51.100.2');
    await expect(watchers.watch(session(), { type: 'h' }, '198.51.100.2')).rejects.toThrow(
      /from your address/,
    );
    await watchers.watch(session(), { type: 'h' }, '198.51.100.3');
    await watchers.watch(session(), { type: 'i' }, '198.51.100.3');
    expect(watchers.queries).toBe(8);
    // A query the node follows already costs it nothing: not refused, even past the address's share.
    await watchers.watch(session(), { type: 'f' }, HOME);
    // The node is full: whose limit that is, is said.
    const full = watchers.watch(session(), { type: 'j' }, '198.51.100.4');
    await expect(full).rejects.toThrow(/this server follows as many/);
    await expect(full).rejects.not.toThrow(/your address/);
  });

  it('an address over its share keeps its watches as the node fills, and gets no more until the node has room', async () => {
    const { watchers, session } = setup({ maxQueries: 8, maxQueriesPerAddress: 2 });
    const home = [session(), session(), session()];
    for (const [i, lobby] of home.entries()) await watchers.watch(lobby, { type: `h${i}` }, HOME);
    for (const type of ['o1', 'o2']) await watchers.watch(session(), { type }, '198.51.100.2');
    // 5 of 8: past half, and HOME holds 3 of its 2.
    await expect(watchers.watch(session(), { type: 'h3' }, HOME)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect([watchers.size, watchers.queries]).toEqual([5, 5]);
    // Room again (under half): HOME may go past its share once more.
    watchers.unwatch(home[0] as WatchingSession & Session);
    watchers.unwatch(home[1] as WatchingSession & Session);
    await watchers.watch(session(), { type: 'h3' }, HOME);
    expect(watchers.queries).toBe(4);
  });

  it('a session changing its own watch frees the query it held, and a refused watch ends the one before', async () => {
    // Half full with one query: the address's share of one bites.
    const { watchers, session } = setup({ maxQueries: 2, maxQueriesPerAddress: 1 });
    const [lobby, other] = [session(), session()];
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    await watchers.watch(lobby, { type: 'race' }, HOME);
    expect(watchers.queries).toBe(1);
    await watchers.watch(other, { type: 'race' }, HOME);
    await expect(watchers.watch(lobby, { type: 'duel' }, HOME)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    // The client ended its watch when it asked for the new one: the server keeps none either.
    expect(watchers.size).toBe(1);
  });

  it('stops when closed', async () => {
    const { registry, watchers, session, advance } = setup();
    const lobby = session();
    await watchers.watch(lobby, { type: 'arena' }, HOME);
    watchers.close();
    await registry.addRoom(sampleListing('room1'));
    await advance(250);
    expect(lobby.lists).toEqual([]);
    await expect(watchers.watch(lobby, {}, HOME)).rejects.toMatchObject({ code: 'SERVER_SHUTTING_DOWN' });
  });
});

/**
 * Watchers on `registry` whose first read of the listing (the watch's own) is answered only when the test
 * calls `release`, as a busy registry would answer it: older than the flushes that overtake it.
 */
function slowFirstRead(clock: ManualClock, registry: MemoryRegistry) {
  let releaseFirst: (() => void) | undefined;
  let first = true;
  const watchers = new RoomWatchers({
    clock,
    metrics: new CountingMetrics(),
    list: async (query) => {
      const listings = await registry.listRooms({ ...query, includePrivate: false });
      if (first) {
        first = false;
        await new Promise<void>((resolve) => {
          releaseFirst = resolve;
        });
      }
      return listings.map(({ locked: _locked, createdAt: _createdAt, ...info }) => info);
    },
    subscribe: (listener) => registry.subscribe(listener),
    intervalMs: 250,
  });
  return { watchers, release: () => releaseFirst?.() };
}
