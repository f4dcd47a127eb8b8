import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeEach(async () => {
  t = await startServer({ test: TestRoom, other: TestRoom });
});
afterEach(async () => {
  await t.close();
});

async function connected(count: number): Promise<Client[]> {
  const clients = Array.from({ length: count }, () => t.client());
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

describe('rooms', () => {
  it('creates a public room that others list, join and chat in', async () => {
    const [alice, bob] = await connected(2);
    const room = await alice!.create('test', { options: { mode: 'ffa' } });
    const listed = await bob!.listRooms({ type: 'test' });
    expect(listed.map((info) => info.roomId)).toEqual([room.roomId]);
    expect(listed[0]?.metadata).toEqual({ mode: 'ffa' });
    expect(listed[0]?.clients).toBe(1);

    const joined = await bob!.join(listed[0]!.roomId);
    const heard: unknown[] = [];
    room.onMessage('chat', (data) => heard.push(data));
    joined.send('chat', { text: 'hello' });
    await eventually(() => heard.length === 1, 'chat delivered');
    expect(heard[0]).toEqual({ from: bob!.playerId, text: 'hello' });
    expect(room.members.map((m) => m.playerId).sort()).toEqual([alice!.playerId, bob!.playerId].sort());
  });

  it('filters listings by metadata and hides private rooms', async () => {
    const [a, b, c] = await connected(3);
    await a!.create('test', { options: { mode: 'ctf' } });
    await b!.create('test', { options: { mode: 'ffa' } });
    await c!.create('test', { private: true, options: { mode: 'ffa' } });
    const ffa = await a!.listRooms({ type: 'test', filter: { mode: 'ffa' } });
    expect(ffa).toHaveLength(1);
    expect(ffa[0]?.private).toBe(false);
    expect(await a!.listRooms({ type: 'other' })).toEqual([]);
  });

  it('joins a private room by its short code, case and dashes forgiven', async () => {
    const [host, friend, stranger] = await connected(3);
    const room = await host!.create('test', { private: true });
    expect(room.code).toMatch(/^[A-Z2-9]{6}$/);
    const typed = `${room.code!.slice(0, 3).toLowerCase()}-${room.code!.slice(3)}`;
    const joined = await friend!.joinByCode(typed);
    expect(joined.roomId).toBe(room.roomId);
    await expect(stranger!.joinByCode('ZZZZZZ')).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
    await expect(stranger!.joinByCode('!!')).rejects.toMatchObject({ code: ErrorCode.ROOM_CODE_INVALID });
  });

  it('admits exactly as many players as there are seats when 20 join at once', async () => {
    const [owner, ...others] = await connected(20);
    const room = await owner!.create('test', { options: { maxClients: 4 } });
    const results = await Promise.allSettled(others.map((client) => client.join(room.roomId)));
    const admitted = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(16);
    for (const result of refused)
      expect((result as PromiseRejectedResult).reason.code).toBe(ErrorCode.ROOM_FULL);
    await eventually(() => room.members.length === 4, 'owner sees four members');
  });

  it('quick play fills an open room before creating another', async () => {
    const clients = await connected(5);
    const rooms: RoomConnection[] = [];
    for (const client of clients) rooms.push(await client.quickPlay('test', { options: { maxClients: 3 } }));
    const ids = rooms.map((room) => room.roomId);
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(ids[3]).not.toBe(ids[0]);
    expect(ids[4]).toBe(ids[3]);
  });

  it('gives late joiners the full room state', async () => {
    const [first, late] = await connected(2);
    const room = await first!.create('test');
    room.send('chat', { text: 'one' });
    room.send('chat', { text: 'two' });
    await eventually(() => true, 'sent');
    const echoes: unknown[] = [];
    room.onMessage('chat', (data) => echoes.push(data));
    await eventually(() => echoes.length === 2, 'chat round trip');
    const joined = await late!.join(room.roomId);
    expect(joined.initialState).toEqual({ log: ['one', 'two'] });
  });

  it('tells members who joins and leaves, and why', async () => {
    const [a, b] = await connected(2);
    const room = await a!.create('test');
    const seen: string[] = [];
    room.on('member-join', (member) => seen.push(`join:${member.playerId}`));
    room.on('member-leave', (event) => seen.push(`leave:${event.playerId}:${event.reason}`));
    const joined = await b!.join(room.roomId);
    await joined.leave();
    await eventually(() => seen.length === 2, 'join and leave seen');
    expect(seen).toEqual([`join:${b!.playerId}`, `leave:${b!.playerId}:left`]);
  });

  it('refuses joins the room declines, into locked rooms, and of unknown types', async () => {
    const [a, b] = await connected(2);
    const room = await a!.create('test');
    await expect(b!.join(room.roomId, { refuse: true })).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
      message: 'not today',
    });
    // Words past what the wire carries reach the player as their first 512 characters.
    const rant = `${'no '.repeat(200)}and no.`;
    await expect(b!.join(room.roomId, { refuse: rant })).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
      message: rant.slice(0, 512),
    });
    room.send('lock', true);
    await eventually(() => true, '');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(b!.join(room.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    // A typo is found from the refusal: it names the types this server defines.
    await expect(b!.create('nope')).rejects.toMatchObject({
      code: ErrorCode.ROOM_TYPE_UNKNOWN,
      message: expect.stringMatching(/^no room type 'nope': this server defines .*'test'/),
    });
    await expect(b!.quickPlay('nope')).rejects.toMatchObject({
      code: ErrorCode.ROOM_TYPE_UNKNOWN,
      message: expect.stringMatching(/^no room type 'nope': this server defines .*'test'/),
    });
    await expect(b!.join('doesnotexist')).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
  });

  it('rejects room messages that fail their schema or have no handler, and keeps the sender', async () => {
    const [a] = await connected(1);
    const room = await a!.create('test');
    const errors: string[] = [];
    a!.on('error', (error) => errors.push(error.code));
    room.send('chat', { text: 42 });
    room.send('nobody-handles-this', {});
    await eventually(() => errors.length === 2, 'two errors');
    expect(errors).toEqual([ErrorCode.INVALID_MESSAGE, ErrorCode.UNKNOWN_MESSAGE_TYPE]);
    const echoes: unknown[] = [];
    room.onMessage('echo', (data) => echoes.push(data));
    room.send('echo', { still: 'here' });
    await eventually(() => echoes.length === 1, 'still served');
  });

  it('kicks a member: they are told KICKED and others see them leave', async () => {
    const [a, b] = await connected(2);
    const room = await a!.create('test');
    const joined = await b!.join(room.roomId);
    const left: string[] = [];
    joined.on('leave', ({ reason }) => left.push(reason));
    const seen: string[] = [];
    room.on('member-leave', ({ reason }) => seen.push(reason));
    room.send('kick', b!.playerId);
    await eventually(() => left.length === 1 && seen.length === 1, 'kick seen by both');
    expect(left).toEqual([ErrorCode.KICKED]);
    expect(seen).toEqual([ErrorCode.KICKED]);
    expect(b!.room).toBeUndefined();
    expect(() => joined.send('chat', { text: 'x' })).toThrow();
  });
});

describe('request objects', () => {
  it("create and quickPlay refuse keys they do not take, naming them and where a room's options go", async () => {
    const [alice] = await connected(1);
    // The Colyseus habit: joinOrCreate('arena', { mode: 'ctf' }). The room got no options at all.
    const colyseus = { mode: 'ctf', color: 'red' } as never;
    for (const call of [() => alice!.quickPlay('test', colyseus), () => alice!.create('test', colyseus)]) {
      const refused = await call().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TypeError);
      expect((refused as TypeError).message).toMatch(/unknown keys 'mode', 'color'/);
      expect((refused as TypeError).message).toMatch(/\{ options: \{ mode, color \} \}/);
    }
    const typo = await alice!.create('test', { privat: true } as never).catch((error: unknown) => error);
    expect((typo as TypeError).message).toMatch(
      /^create: unknown key 'privat' \(it takes private, options\)/,
    );
    // Nothing was sent: no room was made, and the right shape still works.
    expect(await alice!.listRooms({ type: 'test', includeFull: true })).toEqual([]);
    const room = await alice!.quickPlay('test', { options: { mode: 'ctf' } });
    expect(room.info.metadata).toEqual({ mode: 'ctf' });
  });
});
