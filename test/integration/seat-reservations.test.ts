import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { MemoryRegistry, type RoomListing } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedClient as connected, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A step of the registry held back until the test lets it go; `reached` once the call got there. */
interface Hold<T> {
  reached: Promise<T>;
  release(): void;
}

function hold<T>(): Hold<T> & { arrive(value: T): void; gate: Promise<void> } {
  let arrive!: (value: T) => void;
  let release!: () => void;
  const reached = new Promise<T>((resolve) => {
    arrive = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { reached, arrive, gate, release };
}

/**
 * One in-memory registry whose steps a test orders: a player's seat reservation runs in the registry at
 * once but its answer is held back (as a reply still on its way from Redis), and a room's write (a
 * re-registration) is held back before it runs (as a command still on its way to Redis).
 */
class OrderedRegistry extends MemoryRegistry {
  readonly #replies = new Map<string, ReturnType<typeof hold<boolean>>>();
  #nextAdd: ReturnType<typeof hold<readonly string[]>> | undefined;
  /** Every reservation says yes, whatever the seats (a registry that lost count). */
  alwaysSeat = false;
  readonly released: string[] = [];

  /** Holds the answer to `playerId`'s next reservation; `reached` with what the registry answered. */
  holdReply(playerId: string): Hold<boolean> {
    const held = hold<boolean>();
    this.#replies.set(playerId, held);
    return held;
  }

  /** Holds the next room write before it runs; `reached` with the seats it is to write. */
  holdNextAdd(): Hold<readonly string[]> {
    const held = hold<readonly string[]>();
    this.#nextAdd = held;
    return held;
  }

  override async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    const taken = this.alwaysSeat || (await super.reserveSeat(roomId, playerId));
    const held = this.#replies.get(playerId);
    if (held) {
      this.#replies.delete(playerId);
      held.arrive(taken);
      await held.gate;
    }
    return taken;
  }

  override async releaseSeat(roomId: string, playerId: string): Promise<void> {
    this.released.push(playerId);
    return super.releaseSeat(roomId, playerId);
  }

  override async addRoom(listing: RoomListing, seats: readonly string[] = []): Promise<boolean> {
    const held = this.#nextAdd;
    if (held) {
      this.#nextAdd = undefined;
      held.arrive(seats);
      await held.gate;
    }
    return super.addRoom(listing, seats);
  }
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function node(registry: OrderedRegistry): Promise<TestServer> {
  const server = await startServer({ test: TestRoom }, { registry });
  servers.push(server);
  return server;
}

const seatsOf = async (registry: OrderedRegistry, roomId: string) =>
  (await registry.getRoom(roomId))?.clients;
const membersOf = (server: TestServer, roomId: string) =>
  server.server.rooms.listings().find((listing) => listing.roomId === roomId)?.clients;

describe('a re-registration of a room while a seat reservation is out', () => {
  it('keeps a seat the registry gave just before the rewrite: the room never goes over its limit', async () => {
    const registry = new OrderedRegistry();
    const a = await node(registry);
    const [alice, bob, carol] = await Promise.all([connected(a), connected(a), connected(a)]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    const reply = registry.holdReply(bob.playerId as string);
    const joining = bob.join(room.roomId);
    expect(await reply.reached).toBe(true); // the seat is taken in the registry, the answer not back
    await a.server.rooms.reconcileRegistry(); // the room written again meanwhile
    reply.release();
    await joining;
    expect(await seatsOf(registry, room.roomId)).toBe(2);
    await expect(carol.join(room.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    expect(membersOf(a, room.roomId)).toBe(2);
    expect(await seatsOf(registry, room.roomId)).toBe(2);
  });

  it('takes the seat again when the rewrite read the seats before the reservation and ran after it', async () => {
    const registry = new OrderedRegistry();
    const a = await node(registry);
    const [alice, bob, carol] = await Promise.all([connected(a), connected(a), connected(a)]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    const add = registry.holdNextAdd();
    const reconciling = a.server.rooms.reconcileRegistry();
    expect(await add.reached).toEqual([alice.playerId]);
    // Bob's reservation runs before the rewrite that is already on its way, which then wipes it.
    const reply = registry.holdReply(bob.playerId as string);
    const joining = bob.join(room.roomId);
    expect(await reply.reached).toBe(true);
    add.release();
    await reconciling;
    reply.release();
    await joining;
    expect(await seatsOf(registry, room.roomId)).toBe(2);
    await expect(carol.join(room.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    expect(membersOf(a, room.roomId)).toBe(2);
  });

  it('gives back, after the rewrite, the seat it wrote for a reservation the registry had refused', async () => {
    const registry = new OrderedRegistry();
    const a = await node(registry);
    const [alice, bob, carol, dave] = await Promise.all([
      connected(a),
      connected(a),
      connected(a),
      connected(a),
    ]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    const bobs = await bob.join(room.roomId);
    const reply = registry.holdReply(carol.playerId as string);
    const joining = carol.join(room.roomId);
    expect(await reply.reached).toBe(false);
    const add = registry.holdNextAdd();
    const reconciling = a.server.rooms.reconcileRegistry();
    expect([...(await add.reached)].sort()).toEqual([alice.playerId, bob.playerId, carol.playerId].sort());
    reply.release(); // the refusal comes back before the rewrite has run
    await Promise.resolve();
    add.release();
    await reconciling;
    await expect(joining).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    expect(await seatsOf(registry, room.roomId)).toBe(2);
    await bobs.leave();
    await expect.poll(() => seatsOf(registry, room.roomId)).toBe(1);
    expect((await dave.join(room.roomId)).roomId).toBe(room.roomId);
    expect(membersOf(a, room.roomId)).toBe(2);
  });
});

describe('the room checks its own limit', () => {
  it('refuses ROOM_FULL and gives the seat back when the registry seats more players than the limit', async () => {
    const registry = new OrderedRegistry();
    const a = await node(registry);
    const [alice, bob, carol] = await Promise.all([connected(a), connected(a), connected(a)]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    await bob.join(room.roomId);
    registry.alwaysSeat = true;
    await expect(carol.join(room.roomId)).rejects.toMatchObject({
      code: ErrorCode.ROOM_FULL,
      message: 'the room is full',
    });
    expect(membersOf(a, room.roomId)).toBe(2);
    expect(registry.released).toContain(carol.playerId);
    expect(room.members.map((member) => member.playerId)).not.toContain(carol.playerId);
  });
});

describe('a refusal that crosses a leave', () => {
  it('is asked again, not taken for a registry that lost the room', async () => {
    const registry = new OrderedRegistry();
    const a = await node(registry);
    const [alice, bob, carol] = await Promise.all([connected(a), connected(a), connected(a)]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    const bobs = await bob.join(room.roomId);
    const reply = registry.holdReply(carol.playerId as string);
    const joining = carol.join(room.roomId);
    expect(await reply.reached).toBe(false); // full when it ran
    await bobs.leave();
    await expect.poll(() => seatsOf(registry, room.roomId)).toBe(1);
    reply.release();
    expect((await joining).roomId).toBe(room.roomId);
    expect(a.server.rooms.registryStale).toBe(false);
    expect(membersOf(a, room.roomId)).toBe(2);
  });

  it('answers ROOM_FULL when the seat is taken again by then', async () => {
    const registry = new OrderedRegistry();
    const a = await node(registry);
    const [alice, bob, carol, dave] = await Promise.all([
      connected(a),
      connected(a),
      connected(a),
      connected(a),
    ]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    const bobs = await bob.join(room.roomId);
    const reply = registry.holdReply(carol.playerId as string);
    const joining = carol.join(room.roomId);
    expect(await reply.reached).toBe(false);
    await bobs.leave();
    await dave.join(room.roomId); // the seat Bob left is Dave's before Carol hears back
    // Carol's second ask is refused too.
    const again = registry.holdReply(carol.playerId as string);
    reply.release();
    expect(await again.reached).toBe(false);
    again.release();
    await expect(joining).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    expect(a.server.rooms.registryStale).toBe(false);
  });
});

/** Seats cannot be reserved (a Redis out of memory refuses every write); reads work. */
class NoSeatsRegistry extends MemoryRegistry {
  failing = false;
  override async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    if (this.failing) {
      const cause = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), {
        name: 'ReplyError',
      });
      throw new ProtocolError(
        ErrorCode.REGISTRY_UNAVAILABLE,
        'the room registry (Redis) failed: Redis refused the command (OOM)',
        { cause },
      );
    }
    return super.reserveSeat(roomId, playerId);
  }
}

describe('quick play while the registry fails', () => {
  it('answers REGISTRY_UNAVAILABLE rather than sending the player to another node', async () => {
    const registry = new NoSeatsRegistry();
    const options = { registry, nodeTtlMs: 600 };
    const a = await startServer({ test: TestRoom }, { ...options, nodeId: 'node-a' });
    const b = await startServer({ test: TestRoom }, { ...options, nodeId: 'node-b' });
    servers.push(a, b);
    await (await connected(a)).create('test');
    await (await connected(b)).create('test');
    await expect.poll(async () => (await registry.listNodes()).length).toBe(2);
    registry.failing = true;
    const player = await connected(a);
    await expect(player.quickPlay('test')).rejects.toMatchObject({
      code: ErrorCode.REGISTRY_UNAVAILABLE,
      message: 'the room registry (Redis) failed: Redis refused the command (OOM)',
    });
    expect(a.server.rooms.roomCount).toBe(1); // nothing created for it
  });
});
