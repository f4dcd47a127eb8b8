import { Channel, type RoomConnection } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { type CountingMetrics, MemoryRegistry, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
  proxy = undefined;
  t = undefined;
});

/**
 * Joins with `{ slow: true }` wait until the test lets them through; `{ selfDestruct: true }` ends the room
 * in onCreate, `{ thenThrow: true }` throws from it after that, and `{ disposeLater: true }` has the room
 * dispose itself 20 ms after onCreate began.
 */
class RaceRoom extends TestRoom {
  static waiting: (() => void)[] = [];
  static linkMessages = 0;
  static away: string[] = [];
  static codesInOnCreate: Array<string | undefined> = [];
  static disposed = 0;
  override onCreate(options: unknown): void {
    super.onCreate(options);
    RaceRoom.codesInOnCreate.push(this.code);
    const { selfDestruct, thenThrow, disposeLater } = (options ?? {}) as {
      selfDestruct?: boolean;
      thenThrow?: boolean;
      disposeLater?: boolean;
    };
    // Code of the room's own that outlives onCreate (not one of its timers, which stop with it).
    if (disposeLater) setTimeout(() => this.dispose(), 20);
    if (selfDestruct) this.dispose();
    if (thenThrow) throw new Error('closed myself');
  }
  override async onJoin(client: RoomClient, options: unknown): Promise<void> {
    if ((options as { slow?: boolean } | undefined)?.slow) {
      await new Promise<void>((resolve) => RaceRoom.waiting.push(resolve));
    }
    super.onJoin(client, options);
    if ((options as { greet?: boolean } | undefined)?.greet) client.send('greeting', { to: client.playerId });
  }
  override onDispose(): void {
    RaceRoom.disposed++;
  }
  override onAway(client: RoomClient): void {
    RaceRoom.away.push(client.playerId);
  }
  override onLinkMessage(): void {
    RaceRoom.linkMessages++;
  }
}

describe('room lifecycle races', () => {
  it('a join another room refuses leaves the player in the room they were in', async () => {
    t = await startServer({ test: RaceRoom });
    const [alice, bob, carol] = [t.client(), t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    const roomA = await alice.create('test');
    const bobInA = await bob.join(roomA.roomId);
    const roomB = await carol.create('test');
    const aliceSaw: string[] = [];
    roomA.on('member-leave', ({ playerId }) => aliceSaw.push(`leave:${playerId}`));
    await expect(bob.join(roomB.roomId, { refuse: true })).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
    });
    expect(bob.room).toBe(bobInA);
    // Bob is still a member of A for the server too: his chat reaches Alice, and no one saw him leave.
    const heard: unknown[] = [];
    roomA.onMessage('chat', (data) => heard.push(data));
    const errors: string[] = [];
    bob.on('error', (error) => errors.push(error.code));
    bobInA.send('chat', { text: 'still here' });
    await eventually(() => heard.length === 1 || errors.length > 0, 'chat or error');
    expect(errors).toEqual([]);
    expect(heard).toEqual([{ from: bob.playerId, text: 'still here' }]);
    expect(aliceSaw).toEqual([]);
    expect(roomA.members.map((member) => member.playerId).sort()).toEqual(
      [alice.playerId, bob.playerId].sort(),
    );
  });

  it('a room that disposes itself in onCreate is refused and leaves nothing listed behind', async () => {
    t = await startServer({ test: RaceRoom });
    const client = t.client();
    await client.connect();
    await expect(client.create('test', { options: { selfDestruct: true } })).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
    });
    expect(await client.listRooms({ type: 'test', includeFull: true })).toEqual([]);
    expect(t.server.rooms.roomCount).toBe(0);
  });

  it('a room that disposes itself in onCreate and then throws hears onDispose once', async () => {
    t = await startServer({ test: RaceRoom });
    const client = t.client();
    await client.connect();
    const before = RaceRoom.disposed;
    await expect(
      client.create('test', { options: { selfDestruct: true, thenThrow: true } }),
    ).rejects.toMatchObject({ code: ErrorCode.JOIN_REJECTED, message: 'closed myself' });
    expect(RaceRoom.disposed).toBe(before + 1);
    expect(t.server.rooms.roomCount).toBe(0);
  });

  it('a room whose onCreate threw finds itself disposed when its own code disposes it later', async () => {
    t = await startServer({ test: RaceRoom });
    const client = t.client();
    await client.connect();
    const before = RaceRoom.disposed;
    await expect(
      client.create('test', { options: { thenThrow: true, disposeLater: true } }),
    ).rejects.toMatchObject({ code: ErrorCode.JOIN_REJECTED });
    await sleep(60);
    expect(RaceRoom.disposed).toBe(before + 1);
    expect((t.server.metrics as CountingMetrics).total('rooms_disposed_total')).toBe(0);
  });

  it('the empty-room timer does not dispose a room while it is still deciding on its first player', async () => {
    t = await startServer({ test: RaceRoom }, { emptyDisposeMs: 200 });
    const client = t.client();
    await client.connect();
    RaceRoom.waiting = [];
    const creating = client.create('test', { options: { slow: true } });
    await eventually(() => RaceRoom.waiting.length === 1, 'the room is deciding on its creator');
    await sleep(600);
    RaceRoom.waiting.shift()?.();
    const room = await creating;
    expect(room.members.map((member) => member.playerId)).toEqual([client.playerId]);
    expect(t.server.rooms.roomCount).toBe(1);
  });

  it('a room whose players only send on their server link is not disposed as idle', async () => {
    t = await startServer({ test: RaceRoom }, { idleDisposeMs: 400 });
    const client = t.client();
    await client.connect();
    const room = await client.create('test');
    const left: string[] = [];
    room.on('leave', ({ reason }) => left.push(reason));
    const before = RaceRoom.linkMessages;
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      client.serverLink.send(Channel.phys, Uint8Array.of(1, 2, 3));
      await sleep(50);
    }
    expect(RaceRoom.linkMessages - before).toBeGreaterThan(10);
    expect(left).toEqual([]);
    expect(client.room).toBe(room);
  });

  it('two players joining at once each know the other, whatever order the answers and news arrive in', async () => {
    t = await startServer({ test: RaceRoom });
    const host = t.client();
    await host.connect();
    const room = await host.create('test');
    for (let round = 0; round < 5; round++) {
      const pair = [t.client(), t.client()];
      await Promise.all(pair.map((client) => client.connect()));
      const rooms = await Promise.all(pair.map((client) => client.join(room.roomId)));
      const everyone = [host, ...pair].map((client) => client.playerId).sort();
      const members = (joined: RoomConnection) => joined.members.map((m) => m.playerId).sort();
      // The news of the other join may come after the answer to one's own: waited for, however late.
      await eventually(
        () => rooms.every((joined) => members(joined).join() === everyone.join()),
        'each knows the other',
      );
      await sleep(200); // and nothing still on its way undoes it
      for (const joined of rooms) expect(members(joined)).toEqual(everyone);
      for (const client of pair) client.close();
      await eventually(() => room.members.length === 1, 'the pair gone');
    }
  });

  it('a message the room sends a player from onJoin reaches them once they have joined', async () => {
    t = await startServer({ test: RaceRoom });
    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('test');
    const joined = await bob.join(room.roomId, { greet: true });
    const greetings: unknown[] = [];
    joined.onMessage('greeting', (data) => greetings.push(data));
    await eventually(() => greetings.length === 1, 'the greeting from onJoin', 2_000);
    expect(greetings).toEqual([{ to: bob.playerId }]);
  });

  it('a player whose connection drops while the room decides on them is seated as away', async () => {
    t = await startServer({ test: RaceRoom });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const alice = t.client();
    const bob = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('test');
    const joins: Array<{ playerId: string; away: boolean }> = [];
    room.on('member-join', ({ playerId, away }) => joins.push({ playerId, away }));
    const presence: string[] = [];
    room.on('member-back', () => presence.push('back'));
    RaceRoom.waiting = [];
    RaceRoom.away = [];
    const joining = bob.join(room.roomId, { slow: true });
    await eventually(() => RaceRoom.waiting.length === 1, 'the room is deciding on Bob');
    proxy.block();
    proxy.dropAll();
    await eventually(() => t!.server.connectionCount === 1, 'the server saw Bob drop');
    RaceRoom.waiting.shift()?.();
    await eventually(() => joins.length === 1, 'Alice hears of Bob');
    expect(joins).toEqual([{ playerId: bob.playerId, away: true }]);
    expect(room.members.find((member) => member.playerId === bob.playerId)?.away).toBe(true);
    expect(RaceRoom.away).toEqual([bob.playerId]);
    proxy.unblock();
    const joined = await joining;
    expect(joined.roomId).toBe(room.roomId);
    await eventually(() => presence.length === 1, 'Alice sees Bob back');
    expect(room.members.find((member) => member.playerId === bob.playerId)?.away).toBe(false);
  });

  it('a private room knows its code in onCreate, the code its players join by', async () => {
    t = await startServer({ test: RaceRoom });
    const [host, friend] = [t.client(), t.client()];
    await Promise.all([host.connect(), friend.connect()]);
    RaceRoom.codesInOnCreate = [];
    const room = await host.create('test', { private: true });
    expect(room.code).toMatch(/^[A-Z2-9]{6}$/);
    expect(RaceRoom.codesInOnCreate).toEqual([room.code]);
    expect((await friend.joinByCode(room.code!)).roomId).toBe(room.roomId);
  });

  it('a room whose listing fails after onCreate hears onDispose, so its own timers can stop', async () => {
    class FailingRegistry extends MemoryRegistry {
      failAdds = 0;
      override async addRoom(...args: Parameters<MemoryRegistry['addRoom']>): Promise<boolean> {
        if (this.failAdds > 0) {
          this.failAdds--;
          throw new Error('registry unreachable');
        }
        return super.addRoom(...args);
      }
    }
    const registry = new FailingRegistry();
    t = await startServer({ test: RaceRoom }, { registry });
    const client = t.client();
    await client.connect();
    const before = RaceRoom.disposed;
    registry.failAdds = 1;
    await expect(client.create('test')).rejects.toMatchObject({ code: ErrorCode.INTERNAL_ERROR });
    expect(RaceRoom.disposed).toBe(before + 1);
    expect(t.server.rooms.roomCount).toBe(0);
    await registry.close();
  });
});
