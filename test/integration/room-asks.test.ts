import * as v from 'valibot';
import {
  type Client,
  type ClientOptions,
  ErrorCode,
  type RoomConnection,
  RoomError,
} from 'vehikill-net/client';
import {
  Feature,
  Kind,
  MAX_ROOM_REQUESTS_WAITING,
  PROTOCOL_VERSION,
  ProtocolError,
  RoomRequestError,
} from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { rejection } from '../support/settled.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * `this.request(client, type, data)`: the room asks a player, whose client answers with its
 * `room.onRequest(type, ...)` handler. socket.io's `socket.timeout(ms).emitWithAck(...)` from the server.
 */

type ToClient = {
  ready: { match: number };
  slow: number;
  hang: undefined;
  huge: undefined;
  boom: undefined;
  later: number;
};

class AskingRoom extends Room {
  static last: AskingRoom | undefined;
  /** Asks made as each player is seated: `onJoin`'s end, one turn later (see `askOnSeat`). */
  askOnSeat: string | undefined;
  readonly seatAnswers: Array<Promise<unknown>> = [];
  /** The 'note' messages members sent, in order. */
  readonly notes: number[] = [];

  override onCreate(): void {
    AskingRoom.last = this;
    this.onMessage('note', v.number(), (_client, note) => {
      this.notes.push(note);
    });
    // A client's trigger for what the tests check: the room kicks or disposes on the player's word.
    this.onMessage('kick-me', v.unknown(), (client) => this.kick(client, 'asked for it'));
  }

  override onJoin(client: RoomClient): void {
    const type = this.askOnSeat;
    if (type !== undefined) {
      // From onJoin itself the player is not seated yet (refused NOT_IN_ROOM): one turn later they are.
      this.seatAnswers.push(this.request(client, type).catch(codeOf));
      setTimeout(() => this.seatAnswers.push(this.request(client, type, { match: 1 }).catch(codeOf)), 0);
    }
  }

  member(playerId: string): RoomClient {
    const client = this.clients.find((member) => member.playerId === playerId);
    if (client === undefined) throw new Error(`${playerId} is no member`);
    return client;
  }
}

/** The code a request rejected with, as its outcome. */
function codeOf(error: unknown): string {
  return error instanceof ProtocolError ? `rejected ${error.code}` : `threw ${String(error)}`;
}

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await Promise.all([t?.close(), proxy?.close()]);
  [t, proxy, AskingRoom.last] = [undefined, undefined, undefined];
});

async function seated(options: ClientOptions & { url?: string } = {}): Promise<{
  client: Client;
  room: RoomConnection<ToClient>;
  asking: AskingRoom;
  member: RoomClient;
}> {
  t ??= await startServer({ asking: AskingRoom });
  const client = t.client(options);
  await client.connect();
  const room = await client.create<ToClient>('asking');
  const asking = AskingRoom.last as AskingRoom;
  return { client, room, asking, member: asking.member(client.playerId as string) };
}

/** As `seated`, through a proxy that can take the player's network away (`proxy.block()`). */
async function seatedBehindProxy(options: ClientOptions = {}) {
  t = await startServer({ asking: AskingRoom });
  const through = new TcpProxy(t.port);
  proxy = through;
  await through.listen();
  return { ...(await seated({ ...options, url: `ws://127.0.0.1:${through.port}/ws` })), proxy: through };
}

describe("a room's requests to a player", () => {
  it("are answered with the client's handler's value, sync, async or undefined", async () => {
    const { room, asking, member } = await seated();
    room.onRequest('ready', ({ match }) => ({ ready: true, match }));
    room.onRequest('slow', async (ms) => {
      await sleep(ms);
      return `waited ${ms}`;
    });
    room.onRequest('hang', () => undefined);
    const answers = await Promise.all([
      asking.request(member, 'ready', { match: 3 }, { timeoutMs: 3_000 }),
      asking.request(member, 'slow', 30),
      asking.request(member, 'hang'),
    ]);
    expect(answers).toEqual([{ ready: true, match: 3 }, 'waited 30', undefined]);
  });

  it("fail REQUEST_FAILED when the handler throws: a RoomError's code and message, nothing of another's", async () => {
    const { client, room, asking, member } = await seated();
    room.onRequest('ready', () => {
      throw new RoomError('IN_MENU', 'the player is in a menu');
    });
    room.onRequest('boom', async () => {
      throw new Error('secret: the save file is at C:/Users/ada');
    });
    const refused = await rejection(asking.request(member, 'ready', { match: 1 }));
    expect(refused).toBeInstanceOf(RoomRequestError);
    expect(refused).toMatchObject({ code: ErrorCode.REQUEST_FAILED, reason: 'IN_MENU' });
    expect(refused.message).toBe('the player is in a menu');
    const failed = await rejection(asking.request(member, 'boom'));
    expect(failed).toMatchObject({ code: ErrorCode.REQUEST_FAILED, reason: undefined });
    expect(failed.message).not.toMatch(/secret/);
    expect(client.state).toBe('open');
  });

  it('fail REQUEST_FAILED for an answer over the frame limit', async () => {
    const { room, asking, member } = await seated();
    room.onRequest('huge', () => 'x'.repeat(70_000));
    const error = await rejection(asking.request(member, 'huge'));
    expect(error.code).toBe(ErrorCode.REQUEST_FAILED);
    expect(error.message).toMatch(/answer could not be sent.*limit/);
  });

  it('fail UNKNOWN_MESSAGE_TYPE for a type the client has no handler for, once the join is a second old', async () => {
    const { asking, member } = await seated();
    await sleep(1_050);
    const started = Date.now();
    const error = await rejection(asking.request(member, 'hang', undefined, { timeoutMs: 20_000 }));
    expect(error.code).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('made as the player is seated, wait for the handler the app registers once its join resolves', async () => {
    t = await startServer({ asking: AskingRoom });
    const first = t.client();
    await first.connect();
    await first.create('asking');
    const asking = AskingRoom.last as AskingRoom;
    asking.askOnSeat = 'ready';
    const client = t.client();
    await client.connect();
    const room = await client.join<ToClient>(asking.roomId);
    room.onRequest('ready', (data) => ({ ready: true, data }));
    await eventually(() => asking.seatAnswers.length === 2, 'both asked');
    expect(await Promise.all(asking.seatAnswers)).toEqual([
      `rejected ${ErrorCode.NOT_IN_ROOM}`,
      { ready: true, data: { match: 1 } },
    ]);
  });

  it("time out REQUEST_TIMEOUT; the client's own deadline then frees the player's places", async () => {
    const { client, room, asking, member } = await seated();
    room.onRequest('hang', () => new Promise(() => {}));
    const hung = Array.from({ length: MAX_ROOM_REQUESTS_WAITING }, () =>
      asking.request(member, 'hang', undefined, { timeoutMs: 50 }).catch(codeOf),
    );
    expect(new Set(await Promise.all(hung))).toEqual(new Set([`rejected ${ErrorCode.REQUEST_TIMEOUT}`]));
    // Owed still, until the client answers each at the wait it carried: no more is asked of the player meanwhile.
    const refused = await asking.request(member, 'hang').catch((error: ProtocolError) => error);
    expect((refused as ProtocolError).code).toBe(ErrorCode.RATE_LIMITED);
    room.onRequest('hang', () => 'now');
    let answer: unknown;
    for (let tries = 0; answer === undefined && tries < 500; tries++) {
      answer = await asking.request(member, 'hang').catch(() => sleep(10));
    }
    expect(answer).toBe('now');
    expect(client.state).toBe('open');
  });

  it("reject with the leave's code when the player leaves before answering, and NOT_IN_ROOM at once after", async () => {
    const { client, room, asking, member } = await seated();
    room.onRequest('hang', () => new Promise(() => {}));
    const pending = rejection(asking.request(member, 'hang'));
    await sleep(50);
    room.send('kick-me');
    expect((await pending).code).toBe(ErrorCode.KICKED);
    expect((await rejection(asking.request(member, 'hang'))).code).toBe(ErrorCode.NOT_IN_ROOM);
    // Its own leave: NOT_IN_ROOM.
    await eventually(() => room.left, 'the kick heard');
    const again = await client.join<ToClient>(asking.roomId);
    again.onRequest('hang', () => new Promise(() => {}));
    const rejoined = asking.member(client.playerId as string);
    const waiting = rejection(asking.request(rejoined, 'hang'));
    await sleep(50);
    await again.leave();
    expect((await waiting).code).toBe(ErrorCode.NOT_IN_ROOM);
  });

  it('reject when the session ends before the answer', async () => {
    const { client, room, asking, member } = await seated();
    room.onRequest('hang', () => new Promise(() => {}));
    const pending = rejection(asking.request(member, 'hang'));
    await sleep(50);
    await client.close();
    expect((await pending).code).toBe(ErrorCode.NOT_IN_ROOM);
  });

  it('refuse bad options and data at the call, with nothing sent', async () => {
    const { room, asking, member } = await seated();
    let runs = 0;
    room.onRequest('ready', () => runs++);
    for (const options of [{ timeoutMs: 0 }, { timeoutMs: Number.NaN }, () => {}]) {
      expect((await rejection(asking.request(member, 'ready', {}, options as never))).code).toBe(
        ErrorCode.INVALID_MESSAGE,
      );
    }
    expect((await rejection(asking.request(member, 'ready', new Map()))).code).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    expect((await rejection(asking.request(member, 'ready', 'x'.repeat(70_000)))).code).toBe(
      ErrorCode.MESSAGE_TOO_LARGE,
    );
    await sleep(50);
    expect(runs).toBe(0);
  });

  it('asked of a player whose socket has dropped, are answered after the resume', async () => {
    const { client, room, asking, member, proxy } = await seatedBehindProxy();
    let runs = 0;
    room.onRequest('ready', ({ match }) => {
      runs++;
      return match;
    });
    proxy.block();
    await eventually(() => client.state !== 'open', 'the socket lost');
    const answer = asking.request(member, 'ready', { match: 7 }, { timeoutMs: 5_000 });
    await sleep(100);
    proxy.unblock();
    expect(await answer).toBe(7);
    await sleep(100);
    expect(runs).toBe(1);
  });

  it("time out when the player stays away past the wait, and the client's late answer after its resume is no fault", async () => {
    const { client, room, asking, member, proxy } = await seatedBehindProxy();
    let runs = 0;
    room.onRequest('ready', () => runs++);
    const notices: string[] = [];
    client.on('error', (error) => notices.push(error.code));
    proxy.block();
    await eventually(() => client.state !== 'open', 'the socket lost');
    const error = await rejection(asking.request(member, 'ready', { match: 7 }, { timeoutMs: 100 }));
    expect(error.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    proxy.unblock();
    await eventually(() => runs === 1, 'the request handled after the resume');
    await sleep(200);
    expect(notices).toEqual([]);
    expect(client.state).toBe('open');
    room.onRequest('ready', () => 'still answered');
    expect(await asking.request(member, 'ready', { match: 8 })).toBe('still answered');
  });
});

describe("a room's requests answered while the player's outbox is full", () => {
  it('reach the room at the resume, behind everything the client sent before, none of it lost', async () => {
    // A small outbox, which the player's messages fill while the socket is down.
    const { client, room, asking, member, proxy } = await seatedBehindProxy({ outboxMessages: 8 });
    const settle: Array<(value: unknown) => void> = [];
    room.onRequest('later', () => new Promise((resolve) => settle.push(resolve)));
    const small = asking.request(member, 'later', 1, { timeoutMs: 5_000 });
    const large = rejection(asking.request(member, 'later', 2, { timeoutMs: 5_000 }));
    await eventually(() => settle.length === 2, 'both handlers running');
    proxy.block();
    await eventually(() => client.state !== 'open', 'the socket lost');
    let sent = 0;
    const full = (() => {
      for (; sent < 100; sent++) {
        try {
          room.send('note', sent);
        } catch (error) {
          return error as ProtocolError;
        }
      }
    })();
    expect(full?.code).toBe(ErrorCode.OUTBOX_OVERFLOW);
    // The answers come with the outbox full: a small one goes as it is, a large one as a refusal saying why.
    settle[0]?.({ ready: true });
    settle[1]?.('x'.repeat(2_000));
    await sleep(20);
    proxy.unblock();
    expect(await small).toEqual({ ready: true });
    const refused = await large;
    expect(refused).toBeInstanceOf(RoomRequestError);
    expect(refused.code).toBe(ErrorCode.OUTBOX_OVERFLOW);
    await eventually(() => asking.notes.length === sent, 'the notes');
    expect(asking.notes).toEqual(Array.from({ length: sent }, (_, note) => note));
    // Nothing is owed any more: the room may ask again, and is answered.
    room.onRequest('later', (n) => n * 10);
    expect(await asking.request(member, 'later', 3)).toBe(30);
  });
});

describe("a room's request to a client that does not answer them, and forged answers", () => {
  /** A raw member that says in its hello that it answers requests (or not), seated in a new room. */
  async function rawMember(answers: boolean) {
    t ??= await startServer({ asking: AskingRoom });
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('mallory'));
    await raw.opened;
    raw.send(Kind.Hello, { v: PROTOCOL_VERSION, ...(answers ? { features: [Feature.requests] } : {}) });
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    raw.send(Kind.CreateRoom, { rid: 1, type: 'asking' });
    await eventually(() => raw.received(Kind.Response).length === 1, 'the room created');
    const asking = AskingRoom.last as AskingRoom;
    return { raw, asking, member: asking.clients[0] as RoomClient };
  }
  const errorCodes = (raw: RawClient) => raw.received(Kind.Error).map((error) => error.code);

  it('refuses REQUESTS_UNSUPPORTED at once for a client whose hello does not list them (an older one)', async () => {
    const { raw, asking, member } = await rawMember(false);
    expect((await rejection(asking.request(member, 'ready'))).code).toBe(ErrorCode.REQUESTS_UNSUPPORTED);
    await sleep(50);
    expect(raw.received(Kind.ServerRoomMessage)).toEqual([]);
  });

  it('sends the request with its id and wait, and takes the answer naming it', async () => {
    const { raw, asking, member } = await rawMember(true);
    const answer = asking.request(member, 'ready', { match: 2 }, { timeoutMs: 2_500.5 });
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the request');
    const [request] = raw.received(Kind.ServerRoomMessage);
    expect(request).toEqual({ roomId: asking.roomId, t: 'ready', d: { match: 2 }, q: 1, w: 2_501 });
    raw.send(Kind.RoomReply, { q: 1, ok: true, d: 'go' });
    expect(await answer).toBe('go');
  });

  it('takes an answer to no request asked, or a second one, for a fault (UNEXPECTED_REPLY); a flood is cut off', async () => {
    const { raw, asking, member } = await rawMember(true);
    const answer = asking.request(member, 'ready', { match: 2 });
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the request');
    raw.send(Kind.RoomReply, { q: 1, ok: true, d: 'go' });
    expect(await answer).toBe('go');
    raw.send(Kind.RoomReply, { q: 1, ok: true, d: 'again' });
    raw.send(Kind.RoomReply, { q: 99, ok: true, d: 'never asked' });
    await eventually(() => errorCodes(raw).length === 2, 'the refusals');
    expect(errorCodes(raw)).toEqual([ErrorCode.UNEXPECTED_REPLY, ErrorCode.UNEXPECTED_REPLY]);
    for (let q = 100; q < 300 && raw.closeCode === undefined; q++) {
      raw.send(Kind.RoomReply, { q, ok: true });
      await sleep(2);
    }
    await raw.closed;
    expect(errorCodes(raw)).toContain(ErrorCode.TOO_MANY_ERRORS);
  });

  it('takes a refusal with a code no client refuses with for a fault, heard by the room as REQUEST_FAILED', async () => {
    const { raw, asking, member } = await rawMember(true);
    const answer = rejection(asking.request(member, 'ready'));
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the request');
    raw.send(Kind.RoomReply, { q: 1, ok: false, code: ErrorCode.SERVER_SHUTTING_DOWN, message: 'lies' });
    expect(await answer).toMatchObject({ code: ErrorCode.REQUEST_FAILED });
    await eventually(() => errorCodes(raw).includes(ErrorCode.INVALID_MESSAGE), 'the fault told');
  });
});
