import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, Room } from 'vehikill-net/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { SlowCreateRoom, TestRoom } from './rooms-fixtures.js';

const servers: TestServer[] = [];
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Answers the add of a 'slow' room's listing, once carried out, only when the test lets it (`held`). */
class HeldAddRegistry extends MemoryRegistry {
  held: (() => void) | undefined;
  override async addRoom(...args: Parameters<MemoryRegistry['addRoom']>): Promise<boolean> {
    const added = await super.addRoom(...args);
    if (args[0].type === 'slow') await new Promise<void>((resolve) => (this.held = resolve));
    return added;
  }
}

/** Two nodes sharing one registry, and a proxy in front of the first to cut a player's network. */
async function twoNodes() {
  const registry = new MemoryRegistry();
  const node = async (nodeId: string) => {
    const server = await startServer(
      { test: TestRoom, slow: SlowCreateRoom },
      { registry, nodeId, nodeTtlMs: 600 },
    );
    servers.push(server);
    return server;
  };
  const a = await node('node-a');
  const b = await node('node-b');
  proxy = new TcpProxy(a.port);
  await proxy.listen();
  return { a, b, proxy, viaProxy: `ws://127.0.0.1:${proxy.port}/ws` };
}

/** Alice and Bob in one room on the first node; Bob's connection goes through the proxy. */
async function twoPlayersOnFirstNode() {
  const nodes = await twoNodes();
  const alice = nodes.a.client();
  const bob = nodes.a.client({ url: nodes.viaProxy });
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  return { ...nodes, alice, bob, aliceRoom, bobRoom };
}

describe('a player away while its node drains', () => {
  it('is sent to a live node when it comes back, as connected players were, and misses nothing', async () => {
    const { a, b, proxy, bob, aliceRoom, bobRoom } = await twoPlayersOnFirstNode();
    const heard: string[] = [];
    bobRoom.onMessage('chat', (message) => heard.push((message as { text: string }).text));
    const moves: Array<{ url: string; code: ErrorCode }> = [];
    bob.on('moved', (move) => moves.push(move));
    // Where the client is when its room is left: an app quick-plays again from there.
    const left: Array<{ reason: string; url: string }> = [];
    bobRoom.on('leave', ({ reason }) => left.push({ reason, url: bob.url }));

    proxy.block(); // Bob's network is down for the whole drain
    await eventually(() => bob.state === 'reconnecting', 'bob is away');
    const aliceHeard: string[] = [];
    aliceRoom.onMessage('chat', (message) => aliceHeard.push((message as { text: string }).text));
    aliceRoom.send('chat', { text: 'said while bob was away' });
    // The room has sent it to everyone (Bob's copy waits in his session's outbox).
    await eventually(() => aliceHeard.length === 1, 'the room broadcast it');
    await a.server.drain({ deadlineMs: 300 });
    proxy.unblock();

    await eventually(() => left.length === 1, 'bob leaves the drained room');
    expect(left).toEqual([{ reason: ErrorCode.SERVER_DRAINING, url: b.wsUrl }]);
    expect(moves).toEqual([{ url: b.wsUrl, code: ErrorCode.SERVER_DRAINING }]);
    expect(heard).toEqual(['said while bob was away']);
    await eventually(() => bob.state === 'open', 'bob has a session on the live node');
    expect(bob.url).toBe(b.wsUrl);
    const again = await bob.quickPlay('test');
    expect(again.info.nodeId).toBe('node-b');
  });

  it('is told the node drains if it comes back while the drain waits, and moved at the goodbye', async () => {
    const { a, b, proxy, alice, bob, aliceRoom, bobRoom } = await twoPlayersOnFirstNode();
    const notices: string[] = [];
    for (const player of [alice, bob]) player.on('error', (error) => notices.push(error.code));
    const reconnects: Array<{ resumed: boolean }> = [];
    bob.on('reconnect', (event) => reconnects.push(event));
    const moves: string[] = [];
    bob.on('moved', ({ url }) => moves.push(url));
    proxy.block();
    await eventually(() => bob.state === 'reconnecting', 'bob is away');
    // The drain waits for the room until the players leave it, well within the deadline.
    const drained = a.server.drain({ deadlineMs: 30_000 });
    await eventually(() => notices.length === 1, 'alice is told');
    proxy.unblock();
    await eventually(() => reconnects.length === 1, 'bob resumes');
    expect(reconnects[0]?.resumed).toBe(true);
    await eventually(() => notices.length === 2, 'bob is told');
    expect(notices).toEqual([ErrorCode.SERVER_DRAINING, ErrorCode.SERVER_DRAINING]);
    await Promise.all([aliceRoom.leave(), bobRoom.leave()]);
    await drained;
    await eventually(() => moves.length === 1, 'bob is moved at the goodbye');
    expect(moves).toEqual([b.wsUrl]);
  });
});

describe('a drained node', () => {
  it('sends a player that connects after the goodbye to a live node, with no session of its own', async () => {
    const { a, b } = await twoNodes();
    await a.server.drain({ deadlineMs: 0 });
    const carol = a.client();
    const moves: string[] = [];
    carol.on('moved', ({ url }) => moves.push(url));
    await carol.connect();
    await eventually(() => carol.url === b.wsUrl && carol.state === 'open', 'carol is on the live node');
    expect(moves).toEqual([b.wsUrl]);
    expect(a.server.sessionCount).toBe(0);
  });
});

describe('a player of a drained room', () => {
  it('quick-plays again from its room-left handler and is seated on the live node', async () => {
    const { b, alice, aliceRoom } = await twoPlayersOnFirstNode();
    // docs/operations.md: the client moves by itself and leaves its room; the app quick-plays again.
    let again: Promise<unknown> | undefined;
    aliceRoom.on('leave', () => {
      again = alice.quickPlay('test');
    });
    const drained = servers[0]?.server.drain({ deadlineMs: 300 });
    await eventually(() => again !== undefined, 'the room left');
    const room = (await again) as { roomId: string; info: { nodeId: string } };
    expect(room.info.nodeId).toBe('node-b');
    expect(alice.url).toBe(b.wsUrl);
    expect(alice.room?.roomId).toBe(room.roomId);
    await drained;
  });
});

describe('the drain notice', () => {
  it('reads as a sentence naming the node the goodbye then sends players to', async () => {
    // Several live nodes to choose from: the notice's choice is the goodbye's.
    for (let trial = 0; trial < 4; trial++) {
      const registry = new MemoryRegistry();
      const nodes: TestServer[] = [];
      for (const nodeId of ['node-a', 'node-b', 'node-c', 'node-d']) {
        const server = await startServer({ test: TestRoom }, { registry, nodeId, nodeTtlMs: 600 });
        servers.push(server);
        nodes.push(server);
      }
      const [a] = nodes as [TestServer];
      const alice = a.client();
      await alice.connect();
      await alice.create('test');
      const notices: string[] = [];
      alice.on('error', (error) => notices.push(error.message));
      const moved = new Promise<string>((resolve) => alice.on('moved', ({ url }) => resolve(url)));
      await a.server.drain({ deadlineMs: 300 });
      const url = await moved;
      expect(notices[0]).toBe(
        `this server is draining for a deploy: the room plays on until it ends or the drain's deadline, then the client moves to ${url}`,
      );
      await Promise.all(servers.splice(0).map((server) => server.close()));
    }
  });

  it('to a player in no room, tells of no room playing on, only where and when it moves', async () => {
    const { a, b, alice } = await twoPlayersOnFirstNode();
    // Alice's room keeps the drain waiting; Carol, connected to the same node, is in no room.
    const carol = a.client();
    await carol.connect();
    const notices: string[] = [];
    carol.on('error', (error) => notices.push(error.message));
    const moved = new Promise<string>((resolve) => carol.on('moved', ({ url }) => resolve(url)));
    const drained = a.server.drain({ deadlineMs: 300 });
    await eventually(() => notices.length > 0, 'the drain notice');
    expect(notices[0]).toBe(
      `this server is draining for a deploy: the client moves to ${b.wsUrl} once the server's rooms end or the drain's deadline comes`,
    );
    expect(alice.room).toBeDefined();
    expect(await moved).toBe(b.wsUrl);
    await drained;
  });

  it('on a single node with nowhere to send players, says the session will end, and when; then it does', async () => {
    const single = await startServer({ test: TestRoom });
    servers.push(single);
    const alice = single.client();
    await alice.connect();
    const room = await alice.create('test');
    const notices: string[] = [];
    alice.on('error', (error) => notices.push(error.message));
    const closed = new Promise<string>((resolve) => alice.on('closed', ({ code }) => resolve(code)));
    await single.server.drain({ deadlineMs: 300 });
    await eventually(() => notices.length > 0, 'the drain notice');
    expect(notices[0]).toBe(
      "this server is draining for a deploy and has no other server to send this client to: the room plays on until it ends or the drain's deadline, then the session ends (closed with SERVER_DRAINING)",
    );
    expect(notices[0]).not.toMatch(/another server/);
    expect(await closed).toBe(ErrorCode.SERVER_DRAINING);
    expect(room.left).toBe(true);
  });

  it('on a single node, with a fallback URL the client was given: says it moves there', async () => {
    const single = await startServer({ test: TestRoom });
    const other = await startServer({ test: TestRoom });
    servers.push(single, other);
    const alice = single.client({ fallbackUrls: [other.wsUrl] });
    await alice.connect();
    await alice.create('test');
    const notices: string[] = [];
    alice.on('error', (error) => notices.push(error.message));
    const moved = new Promise<string>((resolve) => alice.on('moved', ({ url }) => resolve(url)));
    await single.server.drain({ deadlineMs: 300 });
    expect(await moved).toBe(other.wsUrl);
    expect(notices[0]).toBe(
      "this server is draining for a deploy: the room plays on until it ends or the drain's deadline, then the client moves to the next of its fallback URLs",
    );
  });
});

describe('a creation whose async onCreate is still running as its node begins to drain', () => {
  beforeEach(() => SlowCreateRoom.reset());

  /**
   * Bob plays on `node` (the drain then waits for his room until he leaves), and Alice's creation of a
   * 'slow' room there waits in its `onCreate`.
   */
  async function creationUnderWay(node: TestServer) {
    const bob = node.client();
    const alice = node.client();
    await Promise.all([bob.connect(), alice.connect()]);
    const bobRoom = await bob.create('test');
    const created = alice.create('slow');
    // Caught here and looked at by each test: a refusal is what some of them expect.
    const answer = created.then(
      (room) => ({ room, error: undefined }),
      (error: unknown) => ({ room: undefined, error }),
    );
    await eventually(() => SlowCreateRoom.started === 1, 'onCreate under way');
    return { alice, bobRoom, answer };
  }

  it('is not hosted there: its room hears onDispose, and the creator is sent to a live node', async () => {
    const { a, b } = await twoNodes();
    const { alice, bobRoom, answer } = await creationUnderWay(a);
    const drained = a.server.drain({ deadlineMs: 10_000 });
    SlowCreateRoom.release();
    const { room, error } = await answer;
    expect(error).toBeUndefined();
    expect(room?.info.nodeId).toBe('node-b');
    expect(alice.url).toBe(b.wsUrl);
    // The room made on the draining node, and only it.
    expect(SlowCreateRoom.disposed).toBe(1);
    expect(a.server.rooms.listings().map((listing) => listing.type)).toEqual(['test']);
    // Locked rooms included: a draining node's rooms are listed locked, and this one must not be at all.
    const listed = await a.server.registry.listRooms({ type: 'slow', includeLocked: true });
    expect(listed.map((listing) => listing.nodeId)).toEqual(['node-b']);
    await bobRoom.leave();
    await drained;
  });

  it('on a single node: refused SERVER_DRAINING as a creation asked for now is; never listed, its timers stop', async () => {
    const single = await startServer({ test: TestRoom, slow: SlowCreateRoom });
    servers.push(single);
    const { alice, bobRoom, answer } = await creationUnderWay(single);
    const drained = single.server.drain({ deadlineMs: 10_000 });
    SlowCreateRoom.release();
    const { error } = await answer;
    expect(error).toMatchObject({ code: ErrorCode.SERVER_DRAINING });
    await expect(alice.create('test')).rejects.toMatchObject({ code: ErrorCode.SERVER_DRAINING });
    expect(SlowCreateRoom.disposed).toBe(1);
    expect(single.server.rooms.roomCount).toBe(1); // Bob's
    expect(await single.server.registry.listRooms({ type: 'slow', includeLocked: true })).toEqual([]);
    const ticks = SlowCreateRoom.ticks;
    await sleep(50);
    expect(SlowCreateRoom.ticks).toBe(ticks);
    await bobRoom.leave();
    await drained;
  });

  it('whose listing is still being written as the drain begins: taken out of the listing again, refused', async () => {
    const registry = new HeldAddRegistry();
    const single = await startServer({ test: TestRoom, slow: SlowCreateRoom }, { registry });
    servers.push(single);
    SlowCreateRoom.release();
    const { bobRoom, answer } = await creationUnderWay(single);
    // Written before the drain locked the node's rooms, this listing says the room is open.
    await eventually(() => registry.held !== undefined, 'the listing written, its answer held');
    const drained = single.server.drain({ deadlineMs: 10_000 });
    registry.held?.();
    const { error } = await answer;
    expect(error).toMatchObject({ code: ErrorCode.SERVER_DRAINING });
    expect(SlowCreateRoom.disposed).toBe(1);
    expect(single.server.rooms.roomCount).toBe(1);
    expect(await registry.listRooms({ type: 'slow', includeLocked: true })).toEqual([]);
    await bobRoom.leave();
    await drained;
  });

  it('whose onCreate throws: refused with its message as any such creation, and disposed once', async () => {
    const single = await startServer({ test: TestRoom, slow: SlowCreateRoom });
    servers.push(single);
    const { bobRoom, answer } = await creationUnderWay(single);
    const drained = single.server.drain({ deadlineMs: 10_000 });
    SlowCreateRoom.fail(new Error('no such map'));
    const { error } = await answer;
    expect(error).toMatchObject({ code: ErrorCode.JOIN_REJECTED, message: 'no such map' });
    await sleep(50);
    expect(SlowCreateRoom.disposed).toBe(1);
    expect(single.server.rooms.roomCount).toBe(1);
    await bobRoom.leave();
    await drained;
  });

  it('and then to close: the close refuses it, and the room is disposed once', async () => {
    const single = await startServer({ test: TestRoom, slow: SlowCreateRoom });
    servers.push(single);
    const { answer } = await creationUnderWay(single);
    const drained = single.server.drain({ deadlineMs: 10_000 });
    await single.server.close({ drainMs: 0 });
    SlowCreateRoom.release();
    await answer;
    await eventually(() => SlowCreateRoom.disposed === 1, 'onDispose');
    await sleep(50);
    expect(SlowCreateRoom.disposed).toBe(1);
    expect(single.server.rooms.roomCount).toBe(0);
    expect(await single.server.registry.listRooms({ includeLocked: true })).toEqual([]);
    await drained;
  });
});

/** Holds the next seat reservation, before it is made, until the test lets it go on (`held`). */
class HeldSeatRegistry extends MemoryRegistry {
  holdNext = false;
  held: (() => void) | undefined;
  override async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((resolve) => (this.held = resolve));
    }
    return super.reserveSeat(roomId, playerId);
  }
}

/** Two nodes sharing a registry that can hold a seat reservation (`holdNext`). */
async function twoNodesHoldingSeats() {
  const registry = new HeldSeatRegistry();
  const node = async (nodeId: string) => {
    const server = await startServer({ test: TestRoom }, { registry, nodeId, nodeTtlMs: 600 });
    servers.push(server);
    return server;
  };
  return { registry, a: await node('node-a'), b: await node('node-b') };
}

describe('a room hosted as its node begins to drain, before its creator is seated', () => {
  it('is let go at once, and its creator is sent to a live node as a creation asked for now is', async () => {
    const { registry, a, b } = await twoNodesHoldingSeats();
    // Bob plays on: the drain waits for his room.
    const bob = a.client();
    const alice = a.client();
    await Promise.all([bob.connect(), alice.connect()]);
    const bobRoom = await bob.create('test');
    registry.holdNext = true;
    const created = alice.create('test');
    await eventually(() => registry.held !== undefined, "the creator's seat about to be reserved");
    // The drain locks the node's rooms, this one among them, before the seat is asked for.
    const drained = a.server.drain({ deadlineMs: 10_000 });
    const lockedRooms = async () =>
      (await registry.listRooms({ includeLocked: true })).filter((listing) => listing.locked).length;
    await expect.poll(lockedRooms).toBe(2);
    registry.held?.();
    const room = await created;
    expect(room.info.nodeId).toBe('node-b');
    expect(alice.url).toBe(b.wsUrl);
    // Not left behind empty on the draining node until its empty-room timer or the drain's end.
    expect(a.server.rooms.listings().map((listing) => listing.roomId)).toEqual([bobRoom.roomId]);
    const listed = await registry.listRooms({ type: 'test', includeLocked: true });
    expect(listed.map((listing) => listing.nodeId).sort()).toEqual(['node-a', 'node-b']);
    await room.leave();
    await bobRoom.leave();
    await drained;
  });
});

describe('a node that begins to drain with no player, while a creation is under way', () => {
  it('says its goodbye once the creator has been answered: sent to a live node, not failed', async () => {
    const { registry, a, b } = await twoNodesHoldingSeats();
    const alice = a.client();
    await alice.connect();
    registry.holdNext = true;
    const created = alice.create('test');
    await eventually(() => registry.held !== undefined, "the creator's seat about to be reserved");
    const drained = a.server.drain({ deadlineMs: 10_000 });
    await expect.poll(async () => (await registry.listRooms({ includeLocked: true }))[0]?.locked).toBe(true);
    registry.held?.();
    const room = await created;
    expect(room.info.nodeId).toBe('node-b');
    expect(alice.url).toBe(b.wsUrl);
    await drained;
    expect(a.server.rooms.roomCount).toBe(0);
    await room.leave();
  });
});

/** Seats its creator at once; the `onJoin` of each player after waits until the test lets it go on. */
class GatedJoinRoom extends Room {
  static waiting: Array<() => void> = [];
  override async onJoin(): Promise<void> {
    if (this.clients.length > 0) await new Promise<void>((resolve) => GatedJoinRoom.waiting.push(resolve));
  }
}

describe('a join whose async onJoin is still deciding as its node begins to drain', () => {
  it('is seated: the drain lets running matches go on', async () => {
    const single = await startServer({ gated: GatedJoinRoom });
    servers.push(single);
    const alice = single.client();
    const bob = single.client();
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.create('gated');
    const joined = bob.join(aliceRoom.roomId);
    await eventually(() => GatedJoinRoom.waiting.length === 1, "Bob's onJoin under way");
    const drained = single.server.drain({ deadlineMs: 10_000 });
    await eventually(() => single.server.rooms.draining, 'draining');
    for (const release of GatedJoinRoom.waiting.splice(0)) release();
    const bobRoom = await joined;
    expect(bobRoom.members.length).toBe(2);
    await Promise.all([aliceRoom.leave(), bobRoom.leave()]);
    await drained;
  });
});

describe('waits given to close and drain', () => {
  it('are refused at once when NaN or negative, and the server goes on serving', async () => {
    const server = await startServer({ test: TestRoom });
    servers.push(server);
    expect(() => server.server.close({ drainMs: Number.NaN })).toThrow(/drainMs must be a number/);
    expect(() => server.server.close({ drainMs: -1 })).toThrow(RangeError);
    expect(() => server.server.drain({ deadlineMs: Number.NaN })).toThrow(/deadlineMs must be a number/);
    const client = server.client();
    await client.connect();
    expect((await client.create('test')).roomId).toBeTruthy();
    client.close();
  });
});

describe('a node whose drain has finished', () => {
  it('stays out of the registry: its node heartbeat no longer lists it again as draining', async () => {
    const { a, b } = await twoNodes();
    await a.server.drain({ deadlineMs: 0 });
    // Several node heartbeats (every nodeTtlMs / 3 = 200 ms) later, before its record would expire.
    await sleep(500);
    const nodes = await b.server.registry.listNodes();
    expect(nodes.map((node) => node.nodeId)).toEqual(['node-b']);
  });
});
