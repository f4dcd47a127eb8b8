import {
  type Clock,
  type ListingChange,
  NodeIdInUseError,
  type NodeInfo,
  type Registry,
  type RoomListing,
  type RoomQuery,
} from 'vehikill-net/server';
import { describe, expect, it, vi } from 'vitest';
import {
  DrainTargets,
  type Leaver,
  PLAN_RETRY_BASE_MS,
  PLAN_RETRY_MAX_MS,
} from '../../../src/server/rooms/drain-targets.js';

export interface ContractTime {
  /** Lets `ms` pass for node expiry (a manual clock for memory, real time for Redis). */
  pass(ms: number): Promise<void>;
}

/** A node as it heartbeats. */
export const sampleNode = (nodeId: string, extra: Partial<NodeInfo> = {}): NodeInfo => ({
  nodeId,
  url: `ws://127.0.0.1:1/${nodeId}`,
  draining: false,
  bootId: 'boot-1',
  ...extra,
});

/** A listing of an 'arena' room of 4 seats on node-a, created at the number in its id. */
export const sampleListing = (roomId: string, extra: Partial<RoomListing> = {}): RoomListing => ({
  roomId,
  type: 'arena',
  private: false,
  clients: 0,
  maxClients: 4,
  metadata: { mode: 'ffa' },
  nodeId: 'node-a',
  locked: false,
  createdAt: Number(roomId.replace(/\D/g, '')) || 0,
  ...extra,
});

/**
 * The contract every Registry keeps, run against each implementation (memory, and Redis in
 * test/integration/redis-registry.test.ts). Each `makeRegistry` call gives a fresh, empty registry.
 */
export function registryContract(
  name: string,
  makeRegistry: () => Promise<Registry>,
  time: ContractTime,
): void {
  const node = sampleNode;
  const listing = sampleListing;
  describe(`Registry contract: ${name}`, () => {
    it('lists public rooms by type and metadata, oldest first, and hides private, full and locked ones', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      await registry.addRoom(listing('room2', { metadata: { mode: 'ctf' } }));
      await registry.addRoom(listing('room3', { private: true, code: 'ABCDEF' }));
      await registry.addRoom(listing('room4', { type: 'race' }));
      await registry.addRoom(listing('room5', { maxClients: 1 }));
      await registry.reserveSeat('room5', 'p1');
      expect((await registry.listRooms({ type: 'arena' })).map((room) => room.roomId)).toEqual([
        'room1',
        'room2',
      ]);
      expect((await registry.listRooms({ filter: { mode: 'ctf' } })).map((room) => room.roomId)).toEqual([
        'room2',
      ]);
      expect(
        (await registry.listRooms({ type: 'arena', includeFull: true })).map((room) => room.roomId),
      ).toContain('room5');
      await registry.updateRoom('room1', { locked: true });
      expect((await registry.listRooms({ type: 'arena' })).map((room) => room.roomId)).toEqual(['room2']);
      await registry.close();
    });

    it('lists at most `limit` rooms: the oldest that match, whatever else is listed', async () => {
      const registry = await makeRegistry();
      for (let i = 1; i <= 12; i++) {
        const odd = i % 2 === 1;
        await registry.addRoom(
          listing(`room${i}`, { metadata: { mode: odd ? 'ffa' : 'ctf', round: i % 3, ranked: odd } }),
        );
      }
      await registry.addRoom(listing('room13', { type: 'race' }));
      await registry.updateRoom('room1', { locked: true });
      const ids = async (query: Parameters<Registry['listRooms']>[0]) =>
        (await registry.listRooms(query)).map((room) => room.roomId);
      expect(await ids({ type: 'arena', limit: 3 })).toEqual(['room2', 'room3', 'room4']);
      expect(await ids({ limit: 2, filter: { mode: 'ffa' } })).toEqual(['room3', 'room5']);
      expect(await ids({ type: 'arena', limit: 2, filter: { round: 0, ranked: true } })).toEqual([
        'room3',
        'room9',
      ]);
      expect(await ids({ type: 'arena', includeLocked: true, limit: 1 })).toEqual(['room1']);
      expect(await ids({ type: 'race', limit: 5 })).toEqual(['room13']);
      expect(await ids({ type: 'arena', filter: { mode: 'none' }, limit: 5 })).toEqual([]);
      await registry.close();
    });

    it("lists a type's open rooms in its quick-play order, fullest or emptiest first, ties oldest first, as seats change", async () => {
      const fullest = { by: 'clients', direction: -1 } as const;
      const emptiest = { by: 'clients', direction: 1 } as const;
      for (const order of [fullest, emptiest]) {
        const registry = await makeRegistry();
        // Older than every ordered room: taken only where the order puts it.
        await registry.addRoom(listing('room1', { order }), ['a']);
        await registry.addRoom(listing('room2', { order }), ['b', 'c', 'd']);
        await registry.addRoom(listing('room3', { order }), ['e', 'f']);
        await registry.addRoom(listing('room4', { order }));
        await registry.addRoom(listing('room5', { order }), ['g', 'h']);
        await registry.addRoom(listing('room6', { type: 'race', order }), ['i', 'j', 'k']);
        const ids = async (limit?: number) =>
          (await registry.listRooms({ type: 'arena', order, ...(limit ? { limit } : {}) })).map(
            (room) => room.roomId,
          );
        // Seats: room1 1, room2 3, room3 2, room4 0, room5 2 (room3 and room5 tie: the older first).
        const first =
          order === fullest
            ? ['room2', 'room3', 'room5', 'room1', 'room4']
            : ['room4', 'room1', 'room3', 'room5', 'room2'];
        expect(await ids()).toEqual(first);
        expect(await ids(2)).toEqual((await ids()).slice(0, 2));
        // A seat taken moves the room: room4 now has 3; room2, full at 4, is no longer open.
        await registry.reserveSeat('room2', 'p');
        for (const player of ['x', 'y', 'z']) await registry.reserveSeat('room4', player);
        await registry.releaseSeat('room3', 'e');
        const now =
          order === fullest ? ['room4', 'room5', 'room1', 'room3'] : ['room1', 'room3', 'room5', 'room4'];
        expect(await ids()).toEqual(now);
        // Locked or removed: out of the order; unlocked: back in its place.
        await registry.updateRoom('room5', { locked: true });
        await registry.removeRoom('room1');
        expect(await ids()).toEqual(now.filter((id) => id !== 'room5' && id !== 'room1'));
        await registry.updateRoom('room5', { locked: false });
        expect(await ids()).toEqual(now.filter((id) => id !== 'room1'));
        // Written again whole (a node putting its rooms back), under another time too: listed once, in place.
        await registry.addRoom(listing('room5', { order }), ['g', 'h']);
        await registry.addRoom(listing('room3', { order, createdAt: 7 }), ['f']);
        const rewritten = order === fullest ? ['room4', 'room5', 'room3'] : ['room3', 'room5', 'room4'];
        expect(await ids()).toEqual(rewritten);
        // Other queries are oldest first whatever order they name.
        expect(
          (await registry.listRooms({ type: 'arena', includeFull: true, order })).map((room) => room.roomId),
        ).toEqual(['room2', 'room4', 'room5', 'room3']);
        await registry.close();
      }
    });

    it("lists a type's open rooms by a metadata number, either way, rooms without one last, oldest first among ties", async () => {
      for (const direction of [1, -1] as const) {
        const order = { by: 'metadata', field: 'rating', direction } as const;
        const registry = await makeRegistry();
        await registry.addRoom(listing('room1', { order, metadata: { mode: 'ffa' } }));
        await registry.addRoom(listing('room2', { order, metadata: { mode: 'ffa', rating: 1500 } }));
        await registry.addRoom(listing('room3', { order, metadata: { mode: 'ffa', rating: -20.5 } }));
        await registry.addRoom(listing('room4', { order, metadata: { mode: 'ctf', rating: 1500 } }));
        await registry.addRoom(listing('room5', { order, metadata: { mode: 'ffa', rating: 'high' } }));
        await registry.addRoom(listing('room6', { order, metadata: { mode: 'ffa', rating: 900 } }));
        const ids = async (filter?: Record<string, string>) =>
          (await registry.listRooms({ type: 'arena', order, ...(filter ? { filter } : {}) })).map(
            (room) => room.roomId,
          );
        const numbered =
          direction === 1 ? ['room3', 'room6', 'room2', 'room4'] : ['room2', 'room4', 'room6', 'room3'];
        expect(await ids()).toEqual([...numbered, 'room1', 'room5']);
        expect(await ids({ mode: 'ffa' })).toEqual([
          ...numbered.filter((id) => id !== 'room4'),
          'room1',
          'room5',
        ]);
        // New metadata moves the room (a rating given to a room that had none too).
        await registry.updateRoom('room1', { metadata: { mode: 'ffa', rating: 5000 } });
        await registry.updateRoom('room2', { metadata: { mode: 'ffa' } });
        const next =
          direction === 1 ? ['room3', 'room6', 'room4', 'room1'] : ['room1', 'room4', 'room6', 'room3'];
        expect(await ids()).toEqual([...next, 'room2', 'room5']);
        await registry.close();
      }
    });

    it('an ordered listing takes the rooms listed with no order (a rolling deploy) after the ordered ones, oldest first', async () => {
      const registry = await makeRegistry();
      const fullest = { by: 'clients', direction: -1 } as const;
      // room1 and room4 as a node of an earlier version (or one defining the type without the order) lists
      // them: room1, the fullest room of all, still comes after every ordered room.
      await registry.addRoom(listing('room1'), ['a', 'b', 'c']);
      await registry.addRoom(listing('room2', { order: fullest }), ['d']);
      await registry.addRoom(listing('room3', { order: fullest }), ['e', 'f']);
      await registry.addRoom(listing('room4'));
      await registry.addRoom(listing('room5', { type: 'race' }));
      const ids = async (limit?: number) =>
        (await registry.listRooms({ type: 'arena', order: fullest, ...(limit ? { limit } : {}) })).map(
          (room) => room.roomId,
        );
      expect(await ids()).toEqual(['room3', 'room2', 'room1', 'room4']);
      expect(await ids(3)).toEqual(['room3', 'room2', 'room1']);
      // Full or locked, an unordered room is left out as an ordered one is.
      await registry.addRoom(listing('room1', { maxClients: 3 }), ['a', 'b', 'c']);
      await registry.addRoom(listing('room4', { locked: true }));
      expect(await ids()).toEqual(['room3', 'room2']);
      await registry.close();
    });

    // Two rooms made in the same millisecond (two nodes, or one node's burst) are common: every registry
    // must list them the same way, or quick play sends a player to another room after a switch to Redis.
    it('lists rooms created at the same time by their ids, in and out of an order', async () => {
      const registry = await makeRegistry();
      const fullest = { by: 'clients', direction: -1 } as const;
      for (const roomId of ['roomB', 'roomC', 'roomA'])
        await registry.addRoom(listing(roomId, { createdAt: 7 }));
      for (const roomId of ['roomE', 'roomF', 'roomD'])
        await registry.addRoom(listing(roomId, { createdAt: 7, type: 'race', order: fullest }), ['x']);
      const ids = async (query: RoomQuery) => (await registry.listRooms(query)).map((room) => room.roomId);
      expect(await ids({ type: 'arena' })).toEqual(['roomA', 'roomB', 'roomC']);
      expect(await ids({})).toEqual(['roomA', 'roomB', 'roomC', 'roomD', 'roomE', 'roomF']);
      expect(await ids({ type: 'race', order: fullest })).toEqual(['roomD', 'roomE', 'roomF']);
      expect(await ids({ type: 'arena', order: fullest })).toEqual(['roomA', 'roomB', 'roomC']);
      // By their UTF-8 bytes, as Redis compares members: an emoji's surrogates sort below U+FFFD in UTF-16.
      for (const roomId of ['room\u{1F600}', 'room\u{FFFD}'])
        await registry.addRoom(listing(roomId, { createdAt: 7, type: 'odd' }));
      expect(await ids({ type: 'odd' })).toEqual(['room\u{FFFD}', 'room\u{1F600}']);
      await registry.close();
    });

    // A lobby showing full rooms too, in a cluster whose oldest rooms are private parties and rooms of
    // another type: what it does not ask for must not use up the rooms a shared registry looks at.
    it('lists full and locked rooms of a type behind hundreds of older private rooms and rooms of other types', async () => {
      const registry = await makeRegistry();
      for (let i = 1; i <= 300; i++) {
        const other = i % 2 === 1 ? { private: true, code: `PARTY${i}` } : { type: 'race' };
        await registry.addRoom(listing(`room${i}`, other));
      }
      await registry.addRoom(listing('room301', { maxClients: 1 }), ['p1']);
      await registry.addRoom(listing('room302', { locked: true }));
      await registry.addRoom(listing('room303'));
      const ids = async (query: Parameters<Registry['listRooms']>[0]) =>
        (await registry.listRooms(query)).map((room) => room.roomId);
      expect(await ids({ type: 'arena', includeFull: true, limit: 5 })).toEqual(['room301', 'room303']);
      expect(await ids({ type: 'arena', includeLocked: true, limit: 5 })).toEqual(['room302', 'room303']);
      expect(await ids({ type: 'arena', includeFull: true, includePrivate: false, limit: 1 })).toEqual([
        'room301',
      ]);
      // Without a type: the oldest public rooms of every type, no private one.
      expect(await ids({ includeFull: true, limit: 3 })).toEqual(['room2', 'room4', 'room6']);
      // A room made private, or removed, leaves such listings; one made public again comes back.
      await registry.updateRoom('room301', { private: true });
      await registry.removeRoom('room303');
      expect(await ids({ type: 'arena', includeFull: true, includeLocked: true, limit: 5 })).toEqual([
        'room302',
      ]);
      await registry.updateRoom('room301', { private: false });
      expect(await ids({ type: 'arena', includeFull: true, includeLocked: true, limit: 5 })).toEqual([
        'room301',
        'room302',
      ]);
      await registry.close();
    });

    it('lists a room as open exactly while a player could join it, through every change', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 60_000);
      await registry.addRoom(listing('room1', { maxClients: 2 }));
      await registry.addRoom(listing('room2', { maxClients: 2 }));
      const open = async () => (await registry.listRooms({ type: 'arena' })).map((room) => room.roomId);
      const anyOpen = async () => (await registry.listRooms({})).map((room) => room.roomId);
      expect(await open()).toEqual(['room1', 'room2']);
      await registry.reserveSeat('room1', 'p1');
      await registry.reserveSeat('room1', 'p2');
      expect(await open()).toEqual(['room2']);
      expect(await anyOpen()).toEqual(['room2']);
      await registry.releaseSeat('room1', 'p2');
      expect(await open()).toEqual(['room1', 'room2']);
      await registry.reserveSeat('room1', 'p2');
      await registry.updateRoom('room1', { maxClients: 3 });
      expect(await open()).toEqual(['room1', 'room2']);
      await registry.updateRoom('room2', { locked: true });
      expect(await open()).toEqual(['room1']);
      await registry.updateRoom('room2', { locked: false });
      await registry.updateRoom('room1', { private: true });
      expect(await open()).toEqual(['room2']);
      await registry.updateRoom('room1', { private: false });
      // Written again with as many players as seats: full at once.
      await registry.addRoom(listing('room2', { maxClients: 2 }), ['p3', 'p4']);
      expect(await open()).toEqual(['room1']);
      await registry.removeRoom('room1');
      expect(await open()).toEqual([]);
      await registry.addRoom(listing('room3'));
      await registry.removeNode('node-a');
      expect(await anyOpen()).toEqual([]);
      await registry.close();
    });

    // A JavaScript string may hold a lone surrogate (a name cut inside an emoji with slice(), or a client's
    // CESU-8 bytes, which @msgpack/msgpack decodes as one). JSON.stringify writes it as "\ud83d", which
    // Redis's cjson refuses to decode: registries keep strings well-formed (U+FFFD in its place).
    it('a room whose metadata ends inside an emoji is added, listed, found and removed like any other', async () => {
      const registry = await makeRegistry();
      const cut = 'Café 😀'.slice(0, 6); // "Café \ud83d"
      await registry.addRoom(listing('room1'));
      expect(await registry.addRoom(listing('room2', { metadata: { title: cut } }))).toBe(true);
      const ids = async (query: Parameters<Registry['listRooms']>[0]) =>
        (await registry.listRooms(query)).map((room) => room.roomId);
      expect(await ids({ type: 'arena' })).toEqual(['room1', 'room2']);
      expect(await ids({ type: 'arena', includeFull: true })).toEqual(['room1', 'room2']);
      expect((await registry.getRoom('room2'))?.metadata.title).toBe('Café \uFFFD');
      expect(await registry.reserveSeat('room2', 'p1')).toBe(true);
      await registry.removeRoom('room2');
      expect(await ids({ type: 'arena' })).toEqual(['room1']);
      await registry.close();
    });

    it('a metadata update holding a lone surrogate leaves every other room listed', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      await registry.addRoom(listing('room2'));
      await registry.updateRoom('room1', { metadata: { title: '\ud83d' } }).catch(() => {});
      // Whatever became of room1, room2 (and any other room of the cluster) is still listed.
      expect((await registry.listRooms({ type: 'arena' })).map((room) => room.roomId)).toContain('room2');
      await registry.close();
    });

    it('a node whose id and URL hold a lone surrogate heartbeats like any other, and keeps its rooms', async () => {
      const registry = await makeRegistry();
      const cut = node('node-\ud83d', { url: 'ws://127.0.0.1:1/\ud83d' });
      expect(await registry.heartbeat(cut, 60_000)).toBe(false);
      await registry.addRoom(listing('room1', { nodeId: cut.nodeId }));
      expect(await registry.heartbeat(cut, 60_000, true)).toBe(true);
      expect((await registry.listRooms({})).map((room) => room.nodeId)).toEqual(['node-\uFFFD']);
      expect(await registry.listNodes()).toEqual([node('node-\uFFFD', { url: 'ws://127.0.0.1:1/\uFFFD' })]);
      await registry.removeNode(cut.nodeId);
      expect(await registry.listRooms({})).toEqual([]);
      await registry.close();
    });

    it('a filter value holding a lone surrogate matches nothing, like any other unmatched value', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      expect(await registry.listRooms({ filter: { mode: '\ud800' } })).toEqual([]);
      await registry.close();
    });

    it('keeps private codes unique and finds rooms by code until they are removed', async () => {
      const registry = await makeRegistry();
      expect(await registry.addRoom(listing('room1', { private: true, code: 'K7Q2XM' }))).toBe(true);
      expect(await registry.addRoom(listing('room2', { private: true, code: 'K7Q2XM' }))).toBe(false);
      expect((await registry.findByCode('K7Q2XM'))?.roomId).toBe('room1');
      await registry.removeRoom('room1');
      expect(await registry.findByCode('K7Q2XM')).toBeUndefined();
      expect(await registry.getRoom('room1')).toBeUndefined();
      await registry.close();
    });

    it("takes a dead node's private code as free before the sweep, as a lookup by code finds no room", async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 300);
      await registry.heartbeat(node('node-b'), 60_000);
      await registry.addRoom(listing('room1', { nodeId: 'node-a', private: true, code: 'DEADCD' }));
      await time.pass(500);
      // Node a died; nobody has swept since. A creation draws its code by the lookup, then adds the room.
      expect(await registry.findByCode('DEADCD')).toBeUndefined();
      expect(
        await registry.addRoom(listing('room2', { nodeId: 'node-b', private: true, code: 'DEADCD' })),
      ).toBe(true);
      expect((await registry.findByCode('DEADCD'))?.roomId).toBe('room2');
      // The sweep takes the dead room away, and leaves the code to its new holder.
      await registry.heartbeat(node('node-b'), 60_000, true);
      expect((await registry.findByCode('DEADCD'))?.roomId).toBe('room2');
      // Node a back from the dead: its room's code is another live room's now.
      expect(await registry.heartbeat(node('node-a'), 300, true)).toBe(false);
      expect(
        await registry.addRoom(listing('room1', { nodeId: 'node-a', private: true, code: 'DEADCD' })),
      ).toBe(false);
      await registry.close();
    });

    it('reserves seats atomically: 20 concurrent reservations on 4 seats admit exactly 4', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => registry.reserveSeat('room1', `p${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(4);
      expect((await registry.getRoom('room1'))?.clients).toBe(4);
      expect(await registry.reserveSeat('room1', 'p0')).toBe(true); // idempotent for a seat holder
      await registry.releaseSeat('room1', 'p0');
      expect(await registry.reserveSeat('room1', 'late')).toBe(true);
      expect(await registry.reserveSeat('missing', 'p0')).toBe(false);
      await registry.updateRoom('room1', { locked: true });
      await registry.releaseSeat('room1', 'late');
      expect(await registry.reserveSeat('room1', 'locked-out')).toBe(false);
      await registry.close();
    });

    it('lists live nodes with their URL; a node that stops heartbeating leaves with its rooms', async () => {
      const registry = await makeRegistry();
      expect(await registry.heartbeat(node('node-a'), 400)).toBe(false); // first: not known yet
      expect(await registry.heartbeat(node('node-a'), 400)).toBe(true);
      await registry.heartbeat(node('node-b', { draining: true }), 60_000);
      await registry.addRoom(listing('room1', { nodeId: 'node-a', private: true, code: 'QWERTY' }));
      await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
      // Beaten again just before the listing: the 400 ms must not run out in the round trips above.
      await registry.heartbeat(node('node-a'), 400);
      expect((await registry.listNodes()).sort((a, b) => a.nodeId.localeCompare(b.nodeId))).toEqual([
        node('node-a'),
        node('node-b', { draining: true }),
      ]);
      await time.pass(600);
      // Nobody swept yet: the dead node's rooms are already out of every lookup.
      expect((await registry.listNodes()).map((n) => n.nodeId)).toEqual(['node-b']);
      expect((await registry.listRooms({ includePrivate: true })).map((r) => r.roomId)).toEqual(['room2']);
      expect(await registry.getRoom('room1')).toBeUndefined();
      expect(await registry.findByCode('QWERTY')).toBeUndefined();
      expect(await registry.reserveSeat('room1', 'p1')).toBe(false);
      // The next heartbeat sweeps it away for good, freeing its code.
      await registry.heartbeat(node('node-b'), 60_000);
      expect(await registry.addRoom(listing('room3', { nodeId: 'node-b', code: 'QWERTY' }))).toBe(true);
      // Back from the dead, node a learns it was forgotten, so it can add its rooms again.
      expect(await registry.heartbeat(node('node-a'), 400)).toBe(false);
      await registry.close();
    });

    it('lists each node with the room types of its latest heartbeat; a record without them, without', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a', { roomTypes: ['arena', 'race'] }), 60_000);
      await registry.heartbeat(node('node-b'), 60_000);
      const byId = async () => {
        const nodes = await registry.listNodes();
        return new Map(nodes.map((info) => [info.nodeId, info]));
      };
      const listed = await byId();
      expect(listed.get('node-a')).toEqual(node('node-a', { roomTypes: ['arena', 'race'] }));
      // A node that does not say (an earlier version's): none listed, so it is taken to define every type.
      expect(listed.get('node-b')).not.toHaveProperty('roomTypes');
      // What a caller does with a listing is its own: the record stays as heartbeated.
      (listed.get('node-a')?.roomTypes as string[] | undefined)?.push('garbage');
      expect((await byId()).get('node-a')?.roomTypes).toEqual(['arena', 'race']);
      // A type defined since (the server's `define` after `listen`) is listed from the next heartbeat.
      await registry.heartbeat(node('node-a', { roomTypes: ['arena', 'race', 'duel'] }), 60_000, true);
      expect((await byId()).get('node-a')?.roomTypes).toEqual(['arena', 'race', 'duel']);
      await registry.heartbeat(node('node-c', { roomTypes: [] }), 60_000);
      expect((await byId()).get('node-c')?.roomTypes).toEqual([]);
      await registry.close();
    });

    it('lists each node with the load of its latest heartbeat; a record without one, without', async () => {
      const registry = await makeRegistry();
      const load = { sessions: 12, rooms: 3, maxRooms: 100 };
      await registry.heartbeat(node('node-a', { load }), 60_000);
      await registry.heartbeat(node('node-b'), 60_000);
      const byId = async () => new Map((await registry.listNodes()).map((info) => [info.nodeId, info]));
      const listed = await byId();
      expect(listed.get('node-a')?.load).toEqual(load);
      expect(listed.get('node-b')).not.toHaveProperty('load');
      // What a caller does with a listing is its own: the record stays as heartbeated.
      const got = listed.get('node-a')?.load;
      if (got) got.sessions = 0;
      expect((await byId()).get('node-a')?.load).toEqual(load);
      await registry.heartbeat(node('node-a', { load: { ...load, sessions: 13 } }), 60_000, true);
      expect((await byId()).get('node-a')?.load?.sessions).toBe(13);
      await registry.close();
    });

    it('a swept node that adds a room before its next heartbeat: not listed, and gone if it never beats again', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 300);
      await registry.heartbeat(node('node-b'), 60_000);
      await time.pass(500);
      await registry.heartbeat(node('node-b'), 60_000); // node a stalled: swept
      // Node a wakes and a player makes a room there before its heartbeat (which would put its rooms back).
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      expect(await registry.listRooms({})).toEqual([]);
      expect(await registry.getRoom('room1')).toBeUndefined();
      expect(await registry.reserveSeat('room1', 'p1')).toBe(false);
      // Node a dies there. The next sweep removes the room: it is not there when a node of that id beats.
      await registry.heartbeat(node('node-b'), 60_000);
      expect(await registry.heartbeat(node('node-a'), 60_000)).toBe(false);
      expect(await registry.getRoom('room1')).toBeUndefined();
      // A node that beats again is alive: its rooms are listed.
      await registry.addRoom(listing('room2', { nodeId: 'node-a' }));
      expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room2']);
      await registry.close();
    });

    it('a node that leaves cleanly takes its rooms with it at once', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 60_000);
      await registry.heartbeat(node('node-b'), 60_000);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
      await registry.removeNode('node-a');
      expect((await registry.listRooms({})).map((r) => r.roomId)).toEqual(['room2']);
      expect((await registry.listNodes()).map((n) => n.nodeId)).toEqual(['node-b']);
      await registry.close();
    });

    it("a restarted process under the same node id (another bootId) takes its predecessor's rooms away", async () => {
      const registry = await makeRegistry();
      expect(await registry.heartbeat(node('node-a'), 60_000)).toBe(false);
      await registry.heartbeat(node('node-b'), 60_000);
      await registry.addRoom(listing('room1', { nodeId: 'node-a', private: true, code: 'OLDONE' }));
      await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
      // Killed and started again within the heartbeat's lifetime: the key is still there, the process new.
      expect(await registry.heartbeat(node('node-a', { bootId: 'boot-2' }), 60_000)).toBe(false);
      expect((await registry.listRooms({ includePrivate: true })).map((r) => r.roomId)).toEqual(['room2']);
      expect(await registry.findByCode('OLDONE')).toBeUndefined();
      expect(await registry.heartbeat(node('node-a', { bootId: 'boot-2' }), 60_000)).toBe(true);
      await registry.close();
    });

    it('a process that held its node id and finds another live process under it changes nothing, and says so', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 60_000, false);
      await registry.heartbeat(node('node-a'), 60_000, true);
      // A second process started with the same id: taken for a restart, as nothing can tell them apart yet.
      const second = node('node-a', { bootId: 'boot-2', url: 'ws://127.0.0.1:2/node-a' });
      expect(await registry.heartbeat(second, 60_000, false)).toBe(false);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      // The first one's next heartbeat: not a restart, a duplicate. Refused, naming the other's URL.
      const refused = registry.heartbeat(node('node-a'), 60_000, true);
      await expect(refused).rejects.toBeInstanceOf(NodeIdInUseError);
      await expect(registry.heartbeat(node('node-a'), 60_000, true)).rejects.toThrow(
        "node id 'node-a' is in use by another live process (ws://127.0.0.1:2/node-a)",
      );
      // Nothing was undone: the second process's room and heartbeat stand.
      expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
      expect(await registry.heartbeat(second, 60_000, true)).toBe(true);
      expect((await registry.listNodes()).map((info) => info.url)).toEqual(['ws://127.0.0.1:2/node-a']);
      // When the first one stops, its leave names its boot: the second's record and rooms stay.
      await registry.removeNode('node-a', 'boot-1');
      expect((await registry.listNodes()).map((info) => info.url)).toEqual(['ws://127.0.0.1:2/node-a']);
      expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
      await registry.removeNode('node-a', 'boot-2');
      expect(await registry.listNodes()).toEqual([]);
      expect(await registry.listRooms({})).toEqual([]);
      await registry.close();
    });

    it('a node that expired while others heartbeated loses its old rooms at its own next heartbeat', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 300);
      await registry.heartbeat(node('node-b'), 60_000);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      await time.pass(500);
      expect(await registry.heartbeat(node('node-a'), 60_000)).toBe(false);
      expect(await registry.listRooms({})).toEqual([]);
      await registry.close();
    });

    it('after no heartbeat at all for longer than a TTL (a stall), sweeps no one until each has had a TTL', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 300);
      await registry.heartbeat(node('node-b'), 300);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
      // Silence: the registry (a paused Redis, a frozen process) cannot tell it from every node dying,
      // and takes it for its own stall.
      await time.pass(450);
      const ids = async () => (await registry.listRooms({})).map((room) => room.roomId).sort();
      expect(await ids()).toEqual(['room1', 'room2']);
      // node-a (the same process: held) is told it was not known, and puts its rooms right; node-b's
      // room stays meanwhile, and node-b is still listed, so that joins can be sent there.
      expect(await registry.heartbeat(node('node-a'), 300, true)).toBe(false);
      expect(await ids()).toEqual(['room1', 'room2']);
      expect((await registry.getRoom('room2'))?.nodeId).toBe('node-b');
      expect((await registry.listNodes()).map((listed) => listed.nodeId).sort()).toEqual([
        'node-a',
        'node-b',
      ]);
      // node-b never comes back: swept once the grace is over.
      for (let beat = 0; beat < 8; beat++) {
        await time.pass(100);
        await registry.heartbeat(node('node-a'), 300, true);
      }
      expect(await ids()).toEqual(['room1']);
      expect((await registry.listNodes()).map((listed) => listed.nodeId)).toEqual(['node-a']);
      await registry.close();
    });

    it('after a stall, a node with a longer TTL keeps its rooms until its own TTL has passed', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-slow'), 900);
      await registry.heartbeat(node('node-fast'), 300);
      await registry.addRoom(listing('room1', { nodeId: 'node-slow' }));
      await time.pass(1_000);
      // The fast node comes back first and goes on heartbeating; the slow one is due within its 900 ms.
      for (let beat = 0; beat < 6; beat++) {
        await registry.heartbeat(node('node-fast'), 300, true);
        await time.pass(100);
      }
      expect((await registry.getRoom('room1'))?.nodeId).toBe('node-slow');
      expect(await registry.heartbeat(node('node-slow'), 900, true)).toBe(false);
      expect((await registry.getRoom('room1'))?.nodeId).toBe('node-slow');
      await registry.close();
    });

    it('forgets the TTL of a node that left: a shorter stall than that TTL is still seen as one', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-long'), 60_000);
      await registry.removeNode('node-long');
      await registry.heartbeat(node('node-a'), 300);
      await registry.heartbeat(node('node-b'), 300);
      await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
      await time.pass(450);
      await registry.heartbeat(node('node-a'), 300, true);
      expect((await registry.getRoom('room2'))?.nodeId).toBe('node-b');
      await registry.close();
    });

    it("a process restarted under a node's id after a stall-long silence does not inherit its rooms", async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 300);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      // The process dies; the new one starts more than a TTL later, with no other node about.
      await time.pass(700);
      expect(await registry.heartbeat(node('node-a', { bootId: 'boot-2' }), 300)).toBe(false);
      expect(await registry.listRooms({ includePrivate: true })).toEqual([]);
      expect(await registry.getRoom('room1')).toBeUndefined();
      await registry.close();
    });

    // A node whose first heartbeat failed (or is still on its way) while its room writes went through, and
    // which then died before any heartbeat came through: it was never recorded, yet its rooms must not
    // stay listed for good, sending players to a dead URL.
    it('rooms of a node never recorded leave once a TTL has passed since it wrote one, and are swept', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-b'), 300);
      await registry.addRoom(listing('room1', { nodeId: 'node-a', private: true, code: 'NOBEAT' }));
      await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
      const ids = async () => (await registry.listRooms({ includePrivate: true })).map((r) => r.roomId);
      // Its first heartbeat may be on its way: listed meanwhile.
      expect(await ids()).toEqual(['room1', 'room2']);
      // It never comes: node-a died. node-b goes on heartbeating.
      for (let beat = 0; beat < 5; beat++) {
        await time.pass(100);
        await registry.heartbeat(node('node-b'), 300, true);
      }
      expect(await ids()).toEqual(['room2']);
      expect(await registry.getRoom('room1')).toBeUndefined();
      expect(await registry.reserveSeat('room1', 'p1')).toBe(false);
      // Swept, not just hidden: its code is free again.
      expect(await registry.addRoom(listing('room3', { nodeId: 'node-b', code: 'NOBEAT' }))).toBe(true);
      await registry.close();
    });

    it('a node whose first heartbeat comes after its first room keeps that room', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-b'), 300);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      await time.pass(100);
      await registry.heartbeat(node('node-b'), 300, true);
      expect(await registry.heartbeat(node('node-a'), 300)).toBe(false);
      for (let beat = 0; beat < 5; beat++) {
        await time.pass(100);
        await registry.heartbeat(node('node-b'), 300, true);
        await registry.heartbeat(node('node-a'), 300, true);
      }
      expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
      await registry.close();
    });

    it('a clean leave during a stall takes the node and its rooms out at once', async () => {
      const registry = await makeRegistry();
      await registry.heartbeat(node('node-a'), 300);
      await registry.addRoom(listing('room1', { nodeId: 'node-a' }));
      await time.pass(450);
      await registry.removeNode('node-a');
      expect(await registry.listRooms({})).toEqual([]);
      expect(await registry.getRoom('room1')).toBeUndefined();
      await registry.close();
    });

    it('a room written again takes exactly the seats given, in the same step', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      await registry.reserveSeat('room1', 'gone');
      expect(await registry.addRoom(listing('room1'), ['p1', 'p2'])).toBe(true);
      expect((await registry.getRoom('room1'))?.clients).toBe(2);
      expect(await registry.reserveSeat('room1', 'p3')).toBe(true);
      expect(await registry.reserveSeat('room1', 'p4')).toBe(true);
      expect(await registry.reserveSeat('room1', 'gone')).toBe(false); // its seat was not given back
      await registry.close();
    });

    // A node updating a room it runs learns when the registry has no such room (lost in a Redis failover,
    // say), so that it writes it again rather than leave it unlisted.
    it('an update of a room the registry does not have changes nothing and says so', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      expect(await registry.updateRoom('room1', { locked: true })).toBe(true);
      await registry.removeRoom('room1');
      expect(await registry.updateRoom('room1', { locked: false })).toBe(false);
      expect(await registry.getRoom('room1')).toBeUndefined();
      await registry.close();
    });

    it('updates of one room made together all land', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      await Promise.all([
        registry.updateRoom('room1', { locked: true }),
        registry.updateRoom('room1', { metadata: { mode: 'ctf' } }),
        registry.updateRoom('room1', { maxClients: 8 }),
      ]);
      const room = await registry.getRoom('room1');
      expect(room).toMatchObject({ locked: true, metadata: { mode: 'ctf' }, maxClients: 8 });
      await registry.close();
    });

    // A node writes its room again (after an outage) as it is now, while an update of it may be under way:
    // the update must land on what the rewrite wrote, not on the listing as it was before.
    it('an update under way as the room is written again does not take back what the rewrite wrote', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      const update = registry.updateRoom('room1', { metadata: { mode: 'ctf' } });
      await Promise.resolve();
      const rewrite = registry.addRoom(listing('room1', { locked: true, metadata: { mode: 'ctf' } }));
      await Promise.all([update, rewrite]);
      expect(await registry.getRoom('room1')).toMatchObject({ locked: true, metadata: { mode: 'ctf' } });
      expect(await registry.listRooms({})).toEqual([]);
      await registry.close();
    });

    it('a subscriber that throws is logged; the others still hear every change', async () => {
      const registry = await makeRegistry();
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        registry.subscribe(() => {
          throw new Error('app bug');
        });
        const changes: ListingChange[] = [];
        registry.subscribe((change) => changes.push(change));
        await subscribed(registry, changes);
        await registry.addRoom(listing('room1'));
        await eventually(() => changes.length >= 1);
        expect(changes).toEqual([{ change: 'added', roomId: 'room1' }]);
        expect(logged).toHaveBeenCalled();
      } finally {
        logged.mockRestore();
        await registry.close();
      }
    });

    it('tells subscribers of every listing change until they unsubscribe', async () => {
      const registry = await makeRegistry();
      const changes: ListingChange[] = [];
      const unsubscribe = registry.subscribe((change) => changes.push(change));
      await subscribed(registry, changes);
      await registry.addRoom(listing('room1'));
      await registry.reserveSeat('room1', 'p1');
      await registry.removeRoom('room1');
      await eventually(() => changes.length >= 3);
      expect(changes).toEqual([
        { change: 'added', roomId: 'room1' },
        { change: 'updated', roomId: 'room1' },
        { change: 'removed', roomId: 'room1' },
      ]);
      unsubscribe();
      await registry.addRoom(listing('room2'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(changes).toHaveLength(3);
      await registry.close();
    });

    it('gives a quick-play creation claim to one holder at a time, until released or expired', async () => {
      const registry = await makeRegistry();
      const key = '["arena",[["mode","ctf"]]]';
      expect(await registry.claimCreation?.(key, 'node-a 1', 500)).toBe(true);
      expect(await registry.claimCreation?.(key, 'node-b 1', 500)).toBe(false);
      // Another key is another claim.
      expect(await registry.claimCreation?.('["arena",[]]', 'node-b 1', 500)).toBe(true);
      // Only its holder gives it back.
      await registry.releaseCreation?.(key, 'node-b 1');
      expect(await registry.claimCreation?.(key, 'node-b 2', 500)).toBe(false);
      await registry.releaseCreation?.(key, 'node-a 1');
      expect(await registry.claimCreation?.(key, 'node-b 2', 500)).toBe(true);
      // One never given back (its node died) lapses after its time.
      await time.pass(600);
      expect(await registry.claimCreation?.(key, 'node-c 1', 500)).toBe(true);
      await registry.close();
    });

    it("gives each draining node the others' plans, and refuses a plan made before another was written", async () => {
      const registry = await makeRegistry();
      const plan = (entries: [string, number, number][]) =>
        new Map(entries.map(([nodeId, sessions, rooms]) => [nodeId, { sessions, rooms }]));
      const seenByA = await registry.arrivals?.('drain-a');
      const seenByB = await registry.arrivals?.('drain-b');
      expect(seenByA?.byNode).toEqual(new Map());
      // Both read the same version: the first plan written wins, the other was made without knowing it.
      expect(
        await registry.planArrivals?.('drain-a', plan([['node-c', 2, 1]]), 60_000, seenByA?.version ?? -1),
      ).toBe(true);
      expect(
        await registry.planArrivals?.('drain-b', plan([['node-c', 2, 1]]), 60_000, seenByB?.version ?? -1),
      ).toBe(false);
      const again = await registry.arrivals?.('drain-b');
      expect(again?.byNode).toEqual(plan([['node-c', 2, 1]]));
      expect(
        await registry.planArrivals?.(
          'drain-b',
          plan([
            ['node-d', 3, 1],
            ['node-c', 1, 0],
          ]),
          300,
          again?.version ?? -1,
        ),
      ).toBe(true);
      // Summed over the other drains; a drain's own plan is left out of its reading.
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(
        plan([
          ['node-c', 3, 1],
          ['node-d', 3, 1],
        ]),
      );
      expect((await registry.arrivals?.('drain-a'))?.byNode).toEqual(
        plan([
          ['node-d', 3, 1],
          ['node-c', 1, 0],
        ]),
      );
      // A plan written again replaces the drain's previous one.
      const current = await registry.arrivals?.('drain-a');
      const latestOfA = plan([['node-d', 1, 1]]);
      expect(await registry.planArrivals?.('drain-a', latestOfA, 60_000, current?.version ?? -1)).toBe(true);
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(
        plan([
          ['node-d', 4, 2],
          ['node-c', 1, 0],
        ]),
      );
      // A plan's time runs out: its players have moved, and the targets' heartbeats count them.
      await time.pass(500);
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(plan([['node-d', 1, 1]]));
      // What the plan is given is copied: the caller changing it afterwards changes nothing.
      latestOfA.set('node-e', { sessions: 9, rooms: 9 });
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(plan([['node-d', 1, 1]]));
      await registry.close();
    });

    it('keeps a plan asked for an endless time, for a bounded time', async () => {
      const registry = await makeRegistry();
      const seen = await registry.arrivals?.('drain-a');
      if (seen === undefined) return registry.close();
      const plan = new Map([['node-c', { sessions: 2, rooms: 1 }]]);
      // A drain with `deadlineMs: Infinity` asks this (the server caps it first; another caller may not).
      expect(await registry.planArrivals?.('drain-a', plan, Number.POSITIVE_INFINITY, seen.version)).toBe(
        true,
      );
      await time.pass(50);
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(plan);
      const again = await registry.arrivals?.('drain-b');
      expect(await registry.planArrivals?.('drain-b', plan, Number.NaN, again?.version ?? -1)).toBe(true);
      await time.pass(50);
      // NaN is no time at all: that plan lapsed at once; the endless one still counts.
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(plan);
      await registry.close();
    });

    it("takes the sessions that arrived at a node, as its heartbeat counts them, off the drains' plans", async () => {
      const registry = await makeRegistry();
      const plan = (entries: [string, number, number][]) =>
        new Map(entries.map(([nodeId, sessions, rooms]) => [nodeId, { sessions, rooms }]));
      const write = async (drain: string, entries: [string, number, number][]) => {
        const seen = await registry.arrivals?.(drain);
        expect(await registry.planArrivals?.(drain, plan(entries), 60_000, seen?.version ?? -1)).toBe(true);
      };
      await write('drain-a', [
        ['node-c', 5, 2],
        ['node-d', 1, 1],
      ]);
      await write('drain-b', [['node-c', 2, 1]]);
      const before = await registry.arrivals?.('drain-x');
      // node-c's load counts 4 of drain-a's 5 and 1 of drain-b's 2 from this heartbeat on (and 3 of a drain
      // it has no plan from): the plans count only the rest, rooms down to the sessions left.
      const arrived = new Map([
        ['drain-a', 4],
        ['drain-b', 1],
        ['drain-z', 3],
      ]);
      await registry.heartbeat(node('node-c'), 60_000, false, { batch: 1, byDrain: arrived });
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(
        plan([
          ['node-c', 2, 2],
          ['node-d', 1, 1],
        ]),
      );
      // More than is left: none left, and the node leaves that plan. Nothing arrived: nothing changes.
      await registry.heartbeat(node('node-c'), 60_000, false, {
        batch: 2,
        byDrain: new Map([['drain-a', 3]]),
      });
      await registry.heartbeat(node('node-c'), 60_000, false);
      expect((await registry.arrivals?.('drain-b'))?.byNode).toEqual(plan([['node-d', 1, 1]]));
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(
        plan([
          ['node-c', 1, 1],
          ['node-d', 1, 1],
        ]),
      );
      // Not a plan written: a drain that read before still writes (what it planned by was busier, not less).
      expect(
        await registry.planArrivals?.('drain-y', plan([['node-d', 1, 1]]), 60_000, before?.version ?? -1),
      ).toBe(true);
      await registry.close();
    });

    it('takes a batch of arrivals off the plans once, however often heartbeats say it', async () => {
      const registry = await makeRegistry();
      const seen = await registry.arrivals?.('drain-a');
      const written = new Map([
        ['node-c', { sessions: 9, rooms: 3 }],
        ['node-d', { sessions: 2, rooms: 1 }],
      ]);
      expect(await registry.planArrivals?.('drain-a', written, 60_000, seen?.version ?? -1)).toBe(true);
      const planned = async () => (await registry.arrivals?.('drain-x'))?.byNode;
      const say = (nodeId: string, batch: number, sessions: number, extra: Partial<NodeInfo> = {}) =>
        registry.heartbeat(node(nodeId, extra), 300, false, {
          batch,
          byDrain: new Map([['drain-a', sessions]]),
        });
      await say('node-c', 1, 1);
      // Recorded, but its answer was lost: said again, it takes nothing more off.
      await say('node-c', 1, 1);
      await say('node-c', 2, 2);
      // Nor does an older batch said late, nor a number that is not a batch's.
      await say('node-c', 1, 1);
      await say('node-c', 0, 1);
      await say('node-c', 2.5, 1);
      // Each node numbers its own batches.
      await say('node-d', 1, 1);
      expect(await planned()).toEqual(
        new Map([
          ['node-c', { sessions: 6, rooms: 3 }],
          ['node-d', { sessions: 1, rooms: 1 }],
        ]),
      );
      // Swept as dead meanwhile (another node heartbeated after its record expired), the node still has
      // its batch remembered when it comes back and says it again.
      await registry.heartbeat(node('node-e'), 60_000);
      await time.pass(500);
      await registry.heartbeat(node('node-e'), 60_000);
      expect((await registry.listNodes()).map((listed) => listed.nodeId)).toEqual(['node-e']);
      await say('node-c', 2, 2);
      expect((await planned())?.get('node-c')).toEqual({ sessions: 6, rooms: 3 });
      // A new process under the id numbers its batches from 1 again.
      await say('node-c', 1, 4, { bootId: 'boot-2' });
      expect((await planned())?.get('node-c')).toEqual({ sessions: 2, rooms: 2 });
      await registry.close();
      // A registry that starts empty (restarted, its plans gone with it) knows no batch: it applies the
      // next one said, whatever its number.
      const fresh = await makeRegistry();
      const seenAfresh = await fresh.arrivals?.('drain-a');
      expect(await fresh.planArrivals?.('drain-a', written, 60_000, seenAfresh?.version ?? -1)).toBe(true);
      await fresh.heartbeat(node('node-c'), 60_000, false, { batch: 7, byDrain: new Map([['drain-a', 1]]) });
      expect((await fresh.arrivals?.('drain-x'))?.byNode.get('node-c')).toEqual({ sessions: 8, rooms: 3 });
      await fresh.close();
    });

    it('takes the plan of a drain refused more than 32 times, planned again after ever longer waits', async () => {
      // Forty other drains write their plans between each reading of this one and its writing: past 32
      // refusals its last plan used to stand unwritten, told to its players and counted by no other drain.
      const registry = await makeRegistry();
      const waits: number[] = [];
      const targets = new DrainTargets({ clock: immediateTimers(waits), random: () => 0.999 });
      const nodes = [sampleNode('node-c'), sampleNode('node-d')];
      const leaver: Leaver = { playerId: 'pa', room: { roomId: 'ra', type: 'arena', players: 3 } };
      await targets.planShared(withRivalDrains(registry, 40), 'drain-a', nodes, [leaver], ['arena'], 60_000);
      // Planned knowing the rivals' plans (40 players on node-d): this room goes to node-c. And written:
      // what other drains read counts its players there.
      expect(targets.targetFor(leaver)).toBe(sampleNode('node-c').url);
      expect((await registry.arrivals?.('drain-x'))?.byNode).toEqual(
        new Map([
          ['node-d', { sessions: 40, rooms: 40 }],
          ['node-c', { sessions: 3, rooms: 1 }],
        ]),
      );
      expect(waits).toHaveLength(40);
      waits.forEach((wait, refusal) => {
        const ceiling = Math.min(PLAN_RETRY_MAX_MS, PLAN_RETRY_BASE_MS * 2 ** refusal);
        expect(wait).toBe(Math.floor(0.999 * ceiling));
      });
      await registry.close();
    });
  });
}

/**
 * `registry`'s drain plans, where `rivals` times another drain writes its plan between a drain's reading
 * and its writing (so that it is refused): the n-th rival sends n players, in rooms of their own, to
 * node-d.
 */
function withRivalDrains(registry: Registry, rivals: number): Pick<Registry, 'arrivals' | 'planArrivals'> {
  let written = 0;
  return {
    arrivals: (from) => registry.arrivals?.(from) ?? Promise.resolve({ version: 0, byNode: new Map() }),
    async planArrivals(from, plan, ttlMs, version) {
      if (written < rivals) {
        written++;
        const seen = await registry.arrivals?.('rival');
        const rival = new Map([['node-d', { sessions: written, rooms: written }]]);
        await registry.planArrivals?.('rival', rival, ttlMs, seen?.version ?? -1);
      }
      return (await registry.planArrivals?.(from, plan, ttlMs, version)) ?? false;
    },
  };
}

/** A clock whose timers fire at once (in a microtask), each delay asked for noted in `delays`. */
function immediateTimers(delays: number[]): Clock {
  return {
    now: () => 0,
    setTimeout(callback, delayMs) {
      delays.push(delayMs);
      queueMicrotask(callback);
      return () => {};
    },
  };
}

/**
 * Waits until a subscription feeding `changes` hears what `writer` does, then empties `changes`: a remote
 * subscription takes a moment, and changes made before it are not heard. Probe rooms are added and removed
 * until one's removal comes through; changes arrive in order, so nothing older is still on its way.
 */
export async function subscribed(writer: Registry, changes: ListingChange[]): Promise<void> {
  for (let probe = 0; ; probe++) {
    const roomId = `probe${probe}`;
    await writer.addRoom(sampleListing(roomId));
    await writer.removeRoom(roomId);
    const heard = () => changes.some((change) => change.change === 'removed' && change.roomId === roomId);
    await eventually(heard);
    if (heard()) break;
    if (probe === 10) throw new Error('the subscription never came into place');
  }
  changes.length = 0;
}

async function eventually(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * What a shared registry keeps between nodes: two registries (`connectPair`, one per node, on the same
 * keys) race for seats and codes, and exactly the right number win.
 */
export function crossNodeContract(name: string, connectPair: () => Promise<[Registry, Registry]>): void {
  describe(`Registry across nodes: ${name}`, () => {
    it('reserves seats atomically across nodes: 30 racing reservations on 5 seats admit exactly 5', async () => {
      const [a, b] = await connectPair();
      await a.addRoom(sampleListing('room1', { maxClients: 5 }));
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).reserveSeat('room1', `p${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(5);
      expect((await b.getRoom('room1'))?.clients).toBe(5);
      await Promise.all([a.close(), b.close()]);
    });

    it('keeps private codes unique across nodes, and shows each node the other rooms', async () => {
      const [a, b] = await connectPair();
      const tries = await Promise.all([
        a.addRoom(sampleListing('roomA', { private: true, code: 'SAMECODE' })),
        b.addRoom(sampleListing('roomB', { private: true, code: 'SAMECODE', nodeId: 'node-b' })),
      ]);
      expect(tries.filter(Boolean)).toHaveLength(1);
      const winner = tries[0] ? 'roomA' : 'roomB';
      expect((await a.findByCode('SAMECODE'))?.roomId).toBe(winner);
      expect((await b.findByCode('SAMECODE'))?.roomId).toBe(winner);
      await Promise.all([a.close(), b.close()]);
    });
  });
}
