import * as v from 'valibot';
import type { Client } from 'vehikill-net/client';
import { ErrorCode, MAX_DATA_DEPTH, ProtocolError } from 'vehikill-net/protocol';
import { type LeaveReason, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * What a server sends with the app's data (room messages, the state of a join) is what its clients'
 * decoder takes, and what a client sends is what the server's takes: one rule, checked by the sender at
 * the call. Anything else is refused there with the limit's code, never sent to be dropped on arrival.
 */

/** A 150x150 tile map: 22,500 numbers, about 45 KB, under the 64 KiB frame limit. */
const tiles = Array.from({ length: 150 * 150 }, (_, i) => i % 7);

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

/** Data no client could read, by what is wrong with it, and the code and words its refusal has. */
const unsendable = {
  large: { data: { text: 'x'.repeat(70_000) }, code: ErrorCode.MESSAGE_TOO_LARGE, said: /65,536 bytes/ },
  deep: { data: nested(MAX_DATA_DEPTH + 1), code: ErrorCode.INVALID_MESSAGE, said: /nested deeper than 16/ },
  bigint: { data: { score: 10n }, code: ErrorCode.INVALID_MESSAGE, said: /cannot be encoded .*BigInt/ },
} as const;
type Unsendable = keyof typeof unsendable;

class LimitsRoom extends Room {
  static last: LimitsRoom | undefined;
  readonly events: string[] = [];
  readonly thrown: unknown[] = [];
  /** What stateFor returns for each player, from their join's options. */
  readonly #states = new Map<string, Unsendable | 'tiles'>();

  override onCreate(options: unknown): void {
    LimitsRoom.last = this;
    const { seats } = (options ?? {}) as { seats?: number };
    if (seats !== undefined) this.setMaxClients(seats);
    this.onMessage('map', v.unknown(), () => {
      this.broadcast('map', { tiles });
      this.broadcast('chat', 'after the map');
    });
    this.onMessage('unsendable', v.picklist(['large', 'deep', 'bigint', 'type']), (client, what) => {
      const data = what === 'type' ? 1 : unsendable[what].data;
      const type = what === 'type' ? 'x'.repeat(65) : 'x';
      for (const send of [() => this.broadcast(type, data), () => client.send(type, data)]) {
        try {
          send();
          this.thrown.push('nothing');
        } catch (error) {
          this.thrown.push(error);
        }
      }
      this.broadcast('after', what);
    });
    this.onMessage('echo', v.unknown(), (client, data) => client.send('echo', data));
    this.onMessage('bad options', v.unknown(), (client) => {
      const wrong = [{ class: 'reliabel' }, { class: 'expiring', ttlMs: -1 }, { ttlMs: 100 }];
      for (const options of wrong as never[]) {
        for (const send of [() => this.broadcast('x', 1, options), () => client.send('x', 1, options)]) {
          try {
            send();
            this.thrown.push('nothing');
          } catch (error) {
            this.thrown.push(error);
          }
        }
      }
      this.broadcast('after', 'bad options');
    });
    this.onMessage('kick me', v.unknown(), (client) => this.kick(client, 'you '.repeat(300)));
  }

  override onJoin(client: RoomClient, options: unknown): void {
    this.events.push(`join:${client.name}`);
    const state = (options as { state?: Unsendable | 'tiles' } | undefined)?.state;
    if (state !== undefined) this.#states.set(client.playerId, state);
    else this.#states.delete(client.playerId);
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    this.events.push(`leave:${client.name}:${reason}`);
  }

  override stateFor(client: RoomClient): unknown {
    const state = this.#states.get(client.playerId);
    if (state === undefined) return { ok: true };
    return state === 'tiles' ? { tiles } : unsendable[state].data;
  }
}

let t: TestServer;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
});

async function connected(...names: string[]): Promise<Client[]> {
  const clients = names.map((name) => t.client({ name }));
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

/** The request's rejection, or a failure if it is still pending after `ms`. */
async function refusal(request: Promise<unknown>, ms = 3_000): Promise<ProtocolError> {
  const outcome = await Promise.race([
    request.then(
      () => 'resolved',
      (error: unknown) => error,
    ),
    sleep(ms).then(() => 'still pending'),
  ]);
  if (!(outcome instanceof ProtocolError))
    throw new Error(`expected a ProtocolError, got ${String(outcome)}`);
  return outcome;
}

describe('room messages within the frame limit', () => {
  it('a reliable broadcast of a 45 KB array arrives, and so does what follows it', async () => {
    t = await startServer({ limits: LimitsRoom });
    const [alice] = (await connected('Alice')) as [Client];
    const errors: ProtocolError[] = [];
    alice.on('error', (error) => errors.push(error));
    // The same map as the state of the creator's join.
    const room = await alice.create('limits', { options: { state: 'tiles' } });
    expect((room.initialState as { tiles: number[] }).tiles).toHaveLength(22_500);
    const got: string[] = [];
    room.onMessage('map', (data) => got.push(`map of ${(data as { tiles: number[] }).tiles.length}`));
    room.onMessage('chat', (data) => got.push(String(data)));
    room.send('map', {});
    await eventually(() => got.length === 2, 'the map and the chat after it');
    expect(got).toEqual(['map of 22500', 'after the map']);
    expect(errors).toEqual([]);
  });

  it('what clients could not read throws at the server call, with the limit in its words; nothing is sent', async () => {
    t = await startServer({ limits: LimitsRoom });
    const [alice] = (await connected('Alice')) as [Client];
    const errors: ProtocolError[] = [];
    alice.on('error', (error) => errors.push(error));
    const room = await alice.create('limits');
    const heard: string[] = [];
    room.onMessage('x', () => heard.push('x'));
    room.onMessage('after', (what) => heard.push(`after ${String(what)}`));
    for (const what of ['large', 'deep', 'bigint', 'type'] as const) {
      room.send('unsendable', what);
      await eventually(() => heard.includes(`after ${what}`), `the message after the ${what} one`);
    }
    const thrown = LimitsRoom.last?.thrown ?? [];
    expect(thrown).toHaveLength(8);
    for (const error of thrown) expect(error).toBeInstanceOf(ProtocolError);
    const [large, , deep, , bigint, , type] = thrown as ProtocolError[];
    for (const [error, what] of [
      [large, 'large'],
      [deep, 'deep'],
      [bigint, 'bigint'],
    ] as const) {
      expect(error?.code, what).toBe(unsendable[what].code);
      expect(error?.message, what).toMatch(unsendable[what].said);
      expect(error?.message, what).toContain("room message 'x'");
    }
    expect(type?.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(heard.filter((message) => message === 'x')).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('send options', () => {
  it('options that mean nothing throw at the server call with INVALID_MESSAGE; nothing is sent', async () => {
    t = await startServer({ limits: LimitsRoom });
    const [alice] = (await connected('Alice')) as [Client];
    const room = await alice.create('limits');
    const heard: string[] = [];
    room.onMessage('x', () => heard.push('x'));
    room.onMessage('after', (what) => heard.push(`after ${String(what)}`));
    room.send('bad options', 1);
    await eventually(() => heard.includes('after bad options'), 'the message after the bad ones');
    const thrown = LimitsRoom.last?.thrown ?? [];
    // A misspelt class went reliable before; a negative ttl and a ttl without 'expiring' went unchecked.
    expect(thrown).toHaveLength(6);
    for (const error of thrown) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    }
    expect(heard).toEqual(['after bad options']);
  });
});

describe('a join whose state cannot be sent', () => {
  it('fails at once with the limit code, is undone (onLeave, seat freed) and logged naming stateFor', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    t = await startServer({ limits: LimitsRoom });
    const [alice, bob] = (await connected('Alice', 'Bob')) as [Client, Client];
    const room = await alice.create('limits', { options: { seats: 2 } });
    const hall = LimitsRoom.last as LimitsRoom;
    for (const state of ['large', 'deep', 'bigint'] as const) {
      const error = await refusal(bob.join(room.roomId, { state }));
      expect(error.code, state).toBe(unsendable[state].code);
      expect(error.message, state).toMatch(unsendable[state].said);
      expect(error.message, state).toContain('stateFor');
      expect(bob.room, state).toBeUndefined();
      expect(hall.events.at(-1), state).toBe(`leave:Bob:${unsendable[state].code}`);
      const line = String(logged.mock.calls.at(-1)?.[0]);
      expect(line, state).toContain('stateFor');
      expect(line, state).toContain(`room 'limits' ${room.roomId}`);
    }
    // Alice never saw Bob come in; the listing and the room's seats are as before.
    await sleep(100);
    expect(room.members.map((member) => member.name)).toEqual(['Alice']);
    expect(hall.clients.map((client) => client.name)).toEqual(['Alice']);
    expect((await bob.listRooms({ type: 'limits' }))[0]?.clients).toBe(1);
    // The room's second seat is free: a join with a state that can be sent takes it.
    const joined = await bob.join(room.roomId, { state: 'tiles' });
    expect((joined.initialState as { tiles: number[] }).tiles).toHaveLength(22_500);
    await eventually(() => room.members.length === 2, 'Alice sees Bob join');
  });

  it("undoes the creator's join too: no ghost in the listing, onLeave at once", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    t = await startServer({ limits: LimitsRoom });
    const [alice, lobby] = (await connected('Alice', 'Lobby')) as [Client, Client];
    // A creation's options are its creator's join options too.
    const error = await refusal(alice.create('limits', { options: { seats: 1, state: 'bigint' } }));
    expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(error.message).toContain('stateFor');
    expect(LimitsRoom.last?.events).toEqual(['join:Alice', 'leave:Alice:INVALID_MESSAGE']);
    expect(alice.room).toBeUndefined();
    // The room's one seat is free again: listed with no one in it (a full room would not be listed).
    const listed = await lobby.listRooms({ type: 'limits' });
    expect(listed.map((info) => info.clients)).toEqual([0]);
    await lobby.join(listed[0]?.roomId ?? '');
  });

  it('leaves a player who was in another room where they were', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    t = await startServer({ limits: LimitsRoom });
    const [alice] = (await connected('Alice')) as [Client];
    const first = await alice.create('limits');
    const hall = LimitsRoom.last as LimitsRoom;
    await refusal(alice.create('limits', { options: { state: 'deep' } }));
    expect(alice.room?.roomId).toBe(first.roomId);
    expect(hall.clients.map((client) => client.name)).toEqual(['Alice']);
    const echoes: unknown[] = [];
    first.onMessage('echo', (data) => echoes.push(data));
    first.send('echo', 'still here');
    await eventually(() => echoes.includes('still here'), 'an echo from the first room');
  });
});

describe('what a client sends', () => {
  it('fails at the call when the server would refuse it, and costs no fault', async () => {
    t = await startServer({ limits: LimitsRoom });
    const [alice] = (await connected('Alice')) as [Client];
    const seen = { drops: 0, errors: [] as ProtocolError[] };
    alice.on('drop', () => seen.drops++);
    alice.on('error', (error) => seen.errors.push(error));
    const room = await alice.create('limits');
    // More than the fault budget (20): each one the server saw would have cost one.
    for (let i = 0; i < 25; i++) {
      for (const send of [
        () => room.send('echo', nested(MAX_DATA_DEPTH + 1)),
        () => room.send('echo', JSON.parse('{"__proto__": {"admin": true}}')),
        () => room.send('x'.repeat(65), 1),
        () => room.send('echo', { score: 10n }),
      ]) {
        let thrown: unknown;
        try {
          send();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ProtocolError);
        expect((thrown as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
      }
    }
    const requests = [
      alice.create('limits', { options: nested(MAX_DATA_DEPTH + 1) }),
      alice.create('not a room type!'),
      alice.listRooms({ filter: { title: 'x'.repeat(200) } }),
      alice.listRooms({ limit: 0 }),
      alice.joinByCode('x'.repeat(40)),
    ];
    for (const request of requests) expect((await refusal(request)).code).toBe(ErrorCode.INVALID_MESSAGE);
    const echoes: unknown[] = [];
    room.onMessage('echo', (data) => echoes.push(data));
    room.send('echo', nested(MAX_DATA_DEPTH));
    await eventually(() => echoes.length === 1, 'an echo of data at the depth limit');
    await sleep(100);
    expect(seen).toEqual({ drops: 0, errors: [] });
    const metrics = t.server.metrics as unknown as { total(name: string): number };
    expect(metrics.total('bad_input_total')).toBe(0);
  });
});

describe('what the app words', () => {
  it('a kick with a long reason still reaches the player, the reason cut to 512 characters', async () => {
    t = await startServer({ limits: LimitsRoom });
    const [alice] = (await connected('Alice')) as [Client];
    const room = await alice.create('limits');
    const left: Array<{ reason: string; message: string }> = [];
    room.on('leave', (event) => left.push(event));
    room.send('kick me', 1);
    await eventually(() => left.length === 1, 'the kick reaches the player');
    expect(left[0]?.reason).toBe(ErrorCode.KICKED);
    expect(left[0]?.message).toBe('you '.repeat(300).slice(0, 512));
    expect(alice.room).toBeUndefined();
  });

  it('a display name over the limit is cut to it; a long refusal is cut too: connect() settles', async () => {
    t = await startServer(
      { limits: LimitsRoom },
      {
        authenticator: {
          async authenticate(_request, token) {
            if (token === 'refuse')
              return { ok: false, code: ErrorCode.UNAUTHORIZED, message: 'no '.repeat(400) };
            return { ok: true, identity: { userId: 'u1', name: 'n'.repeat(100) } };
          },
        },
      },
    );
    const player = t.client({ token: 'ok' });
    await Promise.race([
      player.connect(),
      sleep(3_000).then(() => Promise.reject(new Error('connect() pending'))),
    ]);
    expect(player.name).toBe('n'.repeat(64));
    const room = await player.create('limits');
    expect(room.members.map((member) => member.name)).toEqual(['n'.repeat(64)]);
    const refused = t.client({ token: 'refuse', maxReconnectAttempts: 0 });
    const error = await refusal(refused.connect());
    expect(error.code).toBe(ErrorCode.UNAUTHORIZED);
  });
});
