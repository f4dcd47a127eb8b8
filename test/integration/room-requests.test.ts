import * as v from 'valibot';
import { ErrorCode, RoomRequestError } from 'vehikill-net/client';
import { encodeMessage, Feature, Kind } from 'vehikill-net/protocol';
import { type CountingMetrics, Room, RoomError } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawClient } from '../support/raw-client.js';
import { rawCreator } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { rejection } from '../support/settled.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * `room.request(type, data)`: a room message whose promise settles with what the room's handler for
 * `type` returns, or why it did not. socket.io's `emitWithAck`, without an id, a pending map and a timer
 * of the app's.
 */

type ToServer = {
  buy: { item: string };
  slow: { ms: number };
  gate: undefined;
  undef: undefined;
  boom: undefined;
  reject: undefined;
  refuse: undefined;
  huge: undefined;
  nothing: undefined;
};
type Replies = { buy: { ok: boolean; coins: number } };

class ShopRoom extends Room {
  static last: ShopRoom | undefined;
  /** Runs of each handler, by type. */
  readonly runs = new Map<string, number>();
  /** Settles the 'gate' handler's promise. */
  open: (() => void) | undefined;
  coins = 50;

  #ran(type: string): void {
    this.runs.set(type, (this.runs.get(type) ?? 0) + 1);
  }

  override onCreate(): void {
    ShopRoom.last = this;
    this.onMessage('buy', v.object({ item: v.string() }), (client, { item }) => {
      this.#ran('buy');
      this.coins -= item === 'shield' ? 10 : 30;
      // Sent before the reply: the client hears it first.
      client.send('bought', item);
      return { ok: true, coins: this.coins };
    });
    this.onMessage('slow', v.object({ ms: v.number() }), async (_client, { ms }) => {
      this.#ran('slow');
      await new Promise((resolve) => setTimeout(resolve, ms));
      return `waited ${ms}`;
    });
    this.onMessage('gate', v.unknown(), async () => {
      this.#ran('gate');
      await new Promise<void>((resolve) => {
        this.open = resolve;
      });
      return 'through';
    });
    this.onMessage('hang', v.unknown(), () => {
      this.#ran('hang');
      return new Promise(() => {});
    });
    this.onMessage('undef', v.unknown(), () => undefined);
    this.onMessage('boom', v.unknown(), () => {
      throw new Error('secret: the database password is hunter2');
    });
    this.onMessage('reject', v.unknown(), async () => {
      throw new Error('secret too');
    });
    this.onMessage('refuse', v.unknown(), () => {
      throw new RoomError('NOT_ENOUGH_COINS', 'you have 5 coins, a rocket costs 30');
    });
    this.onMessage('huge', v.unknown(), () => 'x'.repeat(70_000));
  }
}

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await t?.close();
  await proxy?.close();
  t = undefined;
  proxy = undefined;
  ShopRoom.last = undefined;
});

async function shop(options: { url?: string } = {}) {
  t ??= await startServer({ shop: ShopRoom });
  const client = t.client(options);
  await client.connect();
  const room = await client.create<Record<string, unknown>, ToServer, Replies>('shop');
  return { client, room };
}

describe('room requests', () => {
  it("are answered with the handler's value, after what it sent before returning", async () => {
    const { room } = await shop();
    const heard: string[] = [];
    room.onMessage('bought', (item) => heard.push(`bought ${String(item)}`));
    const receipt = await room.request('buy', { item: 'shield' }, { timeoutMs: 3_000 });
    heard.push('reply');
    expect(receipt).toEqual({ ok: true, coins: 40 });
    expect(heard).toEqual(['bought shield', 'reply']);
    // A plain send still reaches the same handler, and answers nothing.
    room.send('buy', { item: 'rocket' });
    await eventually(() => ShopRoom.last?.runs.get('buy') === 2, 'the plain send handled');
    expect(ShopRoom.last?.coins).toBe(10);
  });

  it("are answered with an async handler's value, and with undefined", async () => {
    const { room } = await shop();
    const [slow, undef] = await Promise.all([room.request('slow', { ms: 50 }), room.request('undef')]);
    expect(slow).toBe('waited 50');
    expect(undef).toBeUndefined();
  });

  it('fail REQUEST_FAILED when the handler throws or rejects, without its words; the server goes on', async () => {
    const { client, room } = await shop();
    for (const type of ['boom', 'reject'] as const) {
      const error = await rejection(room.request(type));
      expect(error).toBeInstanceOf(RoomRequestError);
      expect(error.code).toBe(ErrorCode.REQUEST_FAILED);
      expect(error.message).not.toMatch(/secret/);
      expect((error as RoomRequestError).reason).toBeUndefined();
    }
    // Not a fault of the player's: the session is as it was, and the room answers on.
    expect(await room.request('buy', { item: 'shield' })).toEqual({ ok: true, coins: 40 });
    expect(client.state).toBe('open');
  });

  it("count a handler's failure as a throw, and a RoomError, the room's answer, not at all", async () => {
    const { room } = await shop();
    await rejection(room.request('boom'));
    await rejection(room.request('refuse'));
    room.send('refuse'); // from a send too: a refusal meant for the player, whom nothing answers
    await rejection(room.request('refuse'));
    const metrics = (t as TestServer).server.metrics as CountingMetrics;
    expect(metrics.total('room_hook_errors_total', { hook: "message 'boom'" })).toBe(1);
    expect(metrics.total('room_hook_errors_total', { hook: "message 'refuse'" })).toBe(0);
  });

  it("fail REQUEST_FAILED with a RoomError's code and message", async () => {
    const { room } = await shop();
    const error = await rejection(room.request('refuse'));
    expect(error).toBeInstanceOf(RoomRequestError);
    expect(error.code).toBe(ErrorCode.REQUEST_FAILED);
    expect((error as RoomRequestError).reason).toBe('NOT_ENOUGH_COINS');
    expect(error.message).toBe('you have 5 coins, a rocket costs 30');
  });

  it('fail UNKNOWN_MESSAGE_TYPE at once for a type with no handler', async () => {
    const { room } = await shop();
    const started = Date.now();
    const error = await rejection(room.request('nothing', undefined, { timeoutMs: 20_000 }));
    expect(error.code).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    // Answered, not left to its 20 s timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fail INVALID_MESSAGE when the type's schema refuses the data, a fault as for a message", async () => {
    const { client, room } = await shop();
    const error = await rejection(room.request('buy', { item: 5 } as never));
    expect(error).toBeInstanceOf(RoomRequestError);
    expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(error.message).toMatch(/'buy': item/);
    expect(ShopRoom.last?.runs.get('buy')).toBeUndefined();
    // Charged to the fault budget: a client that keeps sending such requests is cut off.
    const closed = new Promise<string>((resolve) => client.on('closed', ({ code }) => resolve(code)));
    for (let i = 0; i < 40 && client.state === 'open'; i++) {
      await room.request('buy', { item: i } as never).catch(() => {});
    }
    expect(await closed).toBe(ErrorCode.TOO_MANY_ERRORS);
  });

  it('fail REQUEST_FAILED for a reply over the frame limit, and the room answers on', async () => {
    const { room } = await shop();
    const error = await rejection(room.request('huge'));
    expect(error.code).toBe(ErrorCode.REQUEST_FAILED);
    expect(error.message).toMatch(/reply could not be sent.*frame limit/);
    expect(await room.request('undef')).toBeUndefined();
  });

  it('time out REQUEST_TIMEOUT, and a reply after that is dropped and counted', async () => {
    const { client, room } = await shop();
    const error = await rejection(room.request('slow', { ms: 300 }, { timeoutMs: 50 }));
    expect(error.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    expect(client.stats().requests.timedOut).toBe(1);
    await eventually(() => client.stats().requests.lateReplies === 1, 'the late reply dropped');
    expect(client.stats().requests.waiting).toBe(0);
    expect(await room.request('undef')).toBeUndefined();
  });

  it('fail NOT_IN_ROOM when the room is left before the reply, and at the call once it is', async () => {
    const { room } = await shop();
    const pending = rejection(room.request('gate'));
    await eventually(() => ShopRoom.last?.runs.get('gate') === 1, 'the request handled');
    await room.leave();
    const error = await pending;
    expect(error.code).toBe(ErrorCode.NOT_IN_ROOM);
    expect((await rejection(room.request('undef'))).code).toBe(ErrorCode.NOT_IN_ROOM);
  });

  it('fail with the code of the end of the session (the client closed)', async () => {
    const { client, room } = await shop();
    const pending = rejection(room.request('gate'));
    await eventually(() => ShopRoom.last?.runs.get('gate') === 1, 'the request handled');
    await client.close();
    expect((await pending).code).toBe(ErrorCode.NOT_CONNECTED);
  });

  it('refuse bad options at the call, with nothing sent', async () => {
    const { room } = await shop();
    for (const options of [{ timeoutMs: 0 }, { timeoutMs: Number.NaN }, { class: 'volitile' }]) {
      expect((await rejection(room.request('undef', undefined, options as never))).code).toBe(
        ErrorCode.INVALID_MESSAGE,
      );
    }
    await sleep(50);
    expect(ShopRoom.last?.runs.size).toBe(0);
  });

  it('sent while the socket is down, go at the resume and are answered once', async () => {
    t = await startServer({ shop: ShopRoom });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const { client, room } = await shop({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    proxy.block();
    await eventually(() => client.state !== 'open', 'the socket lost');
    const receipt = room.request('buy', { item: 'shield' });
    await sleep(100);
    proxy.unblock();
    expect(await receipt).toEqual({ ok: true, coins: 40 });
    await sleep(200);
    expect(ShopRoom.last?.runs.get('buy')).toBe(1);
    expect(client.stats().requests.lateReplies).toBe(0);
  });

  it('answered while the socket is down, get their reply at the resume, once', async () => {
    t = await startServer({ shop: ShopRoom });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const { client, room } = await shop({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    const pending = room.request('gate');
    await eventually(() => ShopRoom.last?.open !== undefined, 'the request handled');
    proxy.block();
    await eventually(() => client.state !== 'open', 'the socket lost');
    ShopRoom.last?.open?.();
    await sleep(100);
    proxy.unblock();
    expect(await pending).toBe('through');
    await sleep(200);
    expect(ShopRoom.last?.runs.get('gate')).toBe(1);
    expect(client.stats().requests.lateReplies).toBe(0);
  });
});

describe('forged request and reply frames', () => {
  async function rawMember() {
    t ??= await startServer({ shop: ShopRoom });
    return rawCreator(t, 'shop');
  }
  const errorCodes = (raw: RawClient) => raw.received(Kind.Error).map((error) => error.code);

  it("the server's welcome lists requests among its features", async () => {
    const raw = await rawMember();
    expect(raw.received(Kind.Welcome)[0]?.features).toContain(Feature.requests);
  });

  it('a reply frame sent to the server that answers no request of the room is UNEXPECTED_REPLY, a fault', async () => {
    const raw = await rawMember();
    raw.sendBytes(encodeMessage(Kind.RoomReply, { q: 1, ok: true, d: 'forged' }));
    await eventually(() => errorCodes(raw).includes(ErrorCode.UNEXPECTED_REPLY), 'the refusal');
    expect(raw.received(Kind.RoomReply)).toEqual([]);
  });

  it('a request id over 2^32 - 1 is refused INVALID_MESSAGE, a fault; nothing runs', async () => {
    const raw = await rawMember();
    raw.sendBytes(
      encodeMessage(Kind.ClientRoomMessage, { t: 'buy', d: { item: 'shield' }, q: 2 ** 40 } as never),
    );
    await eventually(() => errorCodes(raw).includes(ErrorCode.INVALID_MESSAGE), 'the refusal');
    expect(ShopRoom.last?.runs.get('buy')).toBeUndefined();
  });

  it('an id already waiting is refused INVALID_MESSAGE, and the first request keeps its reply', async () => {
    const raw = await rawMember();
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: 7 });
    await eventually(() => ShopRoom.last?.runs.get('gate') === 1, 'the first handled');
    raw.send(Kind.ClientRoomMessage, { t: 'undef', q: 7 });
    await eventually(() => errorCodes(raw).includes(ErrorCode.INVALID_MESSAGE), 'the refusal');
    expect(raw.received(Kind.RoomReply)).toEqual([]);
    ShopRoom.last?.open?.();
    await eventually(() => raw.received(Kind.RoomReply).length === 1, 'the reply');
    expect(raw.received(Kind.RoomReply)).toEqual([{ q: 7, ok: true, d: 'through' }]);
  });

  it('a flood past 64 waiting is answered RATE_LIMITED and cut off as faults, the room and others unharmed', async () => {
    const raw = await rawMember();
    const honestClient = (t as TestServer).client();
    await honestClient.connect();
    const honest = await honestClient.join<Record<string, unknown>, ToServer>(
      (ShopRoom.last as ShopRoom).roomId,
    );
    for (let q = 1; q <= 64; q++) raw.send(Kind.ClientRoomMessage, { t: 'hang', q });
    await eventually(() => ShopRoom.last?.runs.get('hang') === 64, '64 waiting');
    raw.send(Kind.ClientRoomMessage, { t: 'undef', q: 65 });
    await eventually(() => raw.received(Kind.RoomReply).length === 1, 'the refusal');
    expect(raw.received(Kind.RoomReply)[0]).toMatchObject({ q: 65, ok: false, code: ErrorCode.RATE_LIMITED });
    for (let q = 66; q < 200 && raw.closeCode === undefined; q++) {
      raw.send(Kind.ClientRoomMessage, { t: 'undef', q });
      await sleep(2);
    }
    await raw.closed;
    expect(errorCodes(raw)).toContain(ErrorCode.TOO_MANY_ERRORS);
    expect(await honest.request('buy', { item: 'shield' })).toEqual({ ok: true, coins: 40 });
  });
});
