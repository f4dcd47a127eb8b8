import { ErrorCode, type RoomConnection } from 'vehikill-net/client';
import { MAX_ROOM_REQUESTS_WAITING, type ProtocolError, RoomRequestError } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { rejection } from '../support/settled.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The answers a client owes the room's requests (`Room.request`) are counted on both sides: the server
 * asks no more than MAX_ROOM_REQUESTS_WAITING of a player until they are answered, and the client refuses
 * a request past as many running. A resume with a resync (the server's outbox dropped messages while the
 * player was away) must leave both counting the same requests.
 */

type ToClient = { hang: undefined; ready: undefined; news: number };

class AskingRoom extends Room {
  static last: AskingRoom | undefined;

  override onCreate(): void {
    AskingRoom.last = this;
  }
}

/** Far below what the room sends while the player is away: their outbox drops some, and the resume resyncs. */
const OUTBOX_MESSAGES = 100;
/**
 * How long the room waits for each of the answers that hang (ms), and so how long the client runs each
 * after the replay brings it: the test checks that the server asks no more within that time, which a
 * loaded machine's stalls (a second or more) must not use up.
 */
const HANG_WAIT_MS = 4_000;

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await Promise.all([t?.close(), proxy?.close()]);
  [t, proxy, AskingRoom.last] = [undefined, undefined, undefined];
});

describe("a room's requests a player owes answers to, across a resume with a resync", () => {
  it('are still counted by the server: it asks no more of the player until the client has answered them', async () => {
    t = await startServer({ asking: AskingRoom }, { outboxMessages: OUTBOX_MESSAGES });
    const through = new TcpProxy(t.port);
    proxy = through;
    await through.listen();
    const client = t.client({ url: `ws://127.0.0.1:${through.port}/ws` });
    await client.connect();
    const room: RoomConnection<ToClient> = await client.create<ToClient>('asking');
    const asking = AskingRoom.last as AskingRoom;
    const member = asking.clients[0] as RoomClient;
    let hanging = 0;
    room.onRequest('hang', () => {
      hanging++;
      return new Promise(() => {});
    });
    let readies = 0;
    room.onRequest('ready', () => {
      readies++;
      return 'ready';
    });
    room.onMessage('news', () => {});
    let resyncs = 0;
    client.on('reconnect', ({ resync }) => {
      if (resync) resyncs++;
    });
    through.block();
    await eventually(() => client.state !== 'open', 'the socket lost');
    // While the player is away: more news than their outbox holds (the resume will resync), then 64
    // requests, which the room stops waiting for before the player is back, their answers owed still.
    for (let news = 0; news < 2 * OUTBOX_MESSAGES; news++) asking.broadcast('news', news);
    const asked = Array.from({ length: MAX_ROOM_REQUESTS_WAITING }, () =>
      rejection(asking.request(member, 'hang', undefined, { timeoutMs: HANG_WAIT_MS })),
    );
    for (const error of await Promise.all(asked))
      expect((error as ProtocolError).code).toBe(ErrorCode.REQUEST_TIMEOUT);
    through.unblock();
    // The replay brings the requests: the client runs the 64, each until the wait it carries is over.
    await eventually(() => resyncs === 1 && hanging === MAX_ROOM_REQUESTS_WAITING, 'the requests replayed');
    // The server knows they are owed: it does not send a 65th for the client to refuse, it refuses at the call.
    const refused = await rejection(asking.request(member, 'ready'));
    expect(refused.code).toBe(ErrorCode.RATE_LIMITED);
    expect(refused).not.toBeInstanceOf(RoomRequestError);
    await sleep(100);
    expect(readies).toBe(0);
    // Once the client has answered them (REQUEST_TIMEOUT, at their waits), the room is answered again.
    let answer: unknown;
    for (let tries = 0; answer === undefined && tries < 1_000; tries++) {
      answer = await asking.request(member, 'ready').catch(() => sleep(10));
    }
    expect(answer).toBe('ready');
    expect(readies).toBe(1);
    expect(client.state).toBe('open');
  });
});
