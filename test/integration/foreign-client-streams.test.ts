/**
 * The streams a native client needs beyond the handshake, written from docs/protocol.md alone
 * (test/support/foreign-client.ts imports nothing of the library): the `dispatch` stream of the server
 * link in TCP mode, and peer traffic relayed through the server. The server is the real library. When one
 * of these tests fails, either the server or the document changed: the other must follow.
 */
import * as v from 'valibot';
import { Channel, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLOSE,
  DISPATCH_DATA,
  dispatchAck,
  dispatchData,
  type ForeignClient,
  type Frame,
  K,
  readDispatch,
} from '../support/foreign-client.js';
import { foreignGame } from '../support/foreign-game.js';
import { eventually } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

// ---------------------------------------------------------------------------------------------------
// The server side: the real library.
// ---------------------------------------------------------------------------------------------------

const text = new TextEncoder();
const untext = new TextDecoder();

/** What the rooms' `onLinkMessage` got, in order. */
const linkMessages: { playerId: string; channel: Channel; text: string }[] = [];

/** Records what arrives on the server link, and sends on its `dispatch` channel when asked to. */
class LinkRoom extends Room {
  override onCreate(): void {
    this.onMessage('dispatch', v.array(v.string()), (client, texts) => {
      for (const each of texts) client.link.send(Channel.dispatch, text.encode(each));
    });
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    linkMessages.push({ playerId: client.playerId, channel, text: untext.decode(bytes) });
  }
}

const { start, open, connect } = foreignGame({ link: LinkRoom, test: TestRoom });

afterEach(() => {
  linkMessages.length = 0;
});

/** The server link's TCP mode, "The server link": `DatagramToServer {c, p: [...]}` up. */
const DISPATCH_CHANNEL = 2;
const sendDispatch = (client: ForeignClient, ...frames: Uint8Array[]) =>
  client.sendBare(K.DatagramToServer, { c: DISPATCH_CHANNEL, p: frames });

/** Every dispatch frame the server sent the client on its link, in arrival order, with its index. */
function serverDispatch(client: ForeignClient) {
  return client.frames.flatMap((frame, index) =>
    frame.kind === K.DatagramFromServer && frame.body.c === DISPATCH_CHANNEL
      ? [{ index, ...readDispatch(frame.body.p as Uint8Array) }]
      : [],
  );
}

/**
 * The receiving end of the server's dispatch stream as a client keeps it: deliver each number once and
 * in order, and ack after 16 data frames or 100 ms, duplicates included.
 */
class DispatchInbox {
  readonly delivered: string[] = [];
  acking = true;
  lastAcked = 0;
  #next = 1;
  #held = new Map<number, string>();
  #read = 0;
  #unackedFrames = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly client: ForeignClient) {}

  /** Reads the frames that came since the last call. */
  poll(): void {
    const frames = serverDispatch(this.client).filter((f) => f.index >= this.#read);
    this.#read = this.client.frames.length;
    for (const frame of frames) {
      if (frame.type !== 'data') continue;
      expect(frame.epoch).toBe(0); // "The server link's is always 0"
      if (frame.seq >= this.#next) this.#held.set(frame.seq, untext.decode(frame.payload));
      for (
        let payload = this.#held.get(this.#next);
        payload !== undefined;
        payload = this.#held.get(this.#next)
      ) {
        this.#held.delete(this.#next++);
        this.delivered.push(payload);
      }
      if (!this.acking) continue;
      if (++this.#unackedFrames >= 16) this.ack();
      else this.#timer ??= setTimeout(() => this.ack(), 100);
    }
  }

  ack(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unackedFrames = 0;
    this.lastAcked = this.#next - 1;
    sendDispatch(this.client, dispatchAck(0, this.#next - 1));
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

const joinedMembership = (response: Record<string, unknown>) => {
  expect(response.ok).toBe(true);
  return (response.result as { membership: number; room: { roomId: string } }).membership;
};

// ---------------------------------------------------------------------------------------------------

describe('the dispatch stream and peer traffic, from docs/protocol.md alone', () => {
  it("delivers the client's numbered dispatch messages to the room once and in order, and acks them", async () => {
    const urls = await start();
    const { client, welcome } = await open(urls, 'Ada');
    joinedMembership(await client.request(K.CreateRoom, { type: 'link' }));

    sendDispatch(client, dispatchData(0, 1, text.encode('a')), dispatchData(0, 2, text.encode('b')));
    // The server's ack comes on the same channel, naming our stream's epoch (0) and its newest number.
    await client.waitFor((f) => {
      if (f.kind !== K.DatagramFromServer || f.body.c !== DISPATCH_CHANNEL) return false;
      const frame = readDispatch(f.body.p as Uint8Array);
      return frame.type === 'ack' && frame.epoch === 0 && frame.seq === 2;
    }, 'the ack of 1-2');

    // A duplicate (2 again) is dropped; 4 before 3 is held until 3 fills the gap.
    sendDispatch(client, dispatchData(0, 2, text.encode('b again')));
    sendDispatch(client, dispatchData(0, 4, text.encode('d')));
    sendDispatch(client, dispatchData(0, 3, text.encode('c')));
    await eventually(() => linkMessages.length >= 4, 'four messages in the room');
    expect(linkMessages).toEqual(
      ['a', 'b', 'c', 'd'].map((each) => ({
        playerId: welcome.playerId,
        channel: Channel.dispatch,
        text: each,
      })),
    );
    await client.waitFor((f) => {
      if (f.kind !== K.DatagramFromServer || f.body.c !== DISPATCH_CHANNEL) return false;
      const frame = readDispatch(f.body.p as Uint8Array);
      return frame.type === 'ack' && frame.seq === 4;
    }, 'the ack of 1-4');
    // Anything sent again after the gap filled is a duplicate too.
    sendDispatch(client, dispatchData(0, 1, text.encode('a again')), dispatchData(0, 5, text.encode('e')));
    await eventually(() => linkMessages.length >= 5, 'the fifth message');
    expect(linkMessages.map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it("numbers the room's dispatch messages, sends unacked ones again after about a second, and stops once acked", async () => {
    const urls = await start();
    const { client } = await open(urls, 'Ada');
    const membership = joinedMembership(await client.request(K.CreateRoom, { type: 'link' }));
    const inbox = new DispatchInbox(client);
    inbox.acking = false;

    client.sendReliable(K.ClientRoomMessage, { t: 'dispatch', m: membership, d: ['one', 'two'] });
    const datas = () => serverDispatch(client).filter((f) => f.type === 'data');
    await eventually(() => datas().filter((f) => f.seq === 1).length >= 2, 'message 1 sent again', 10_000);
    const [one, again] = datas().filter((f) => f.seq === 1);
    expect(one?.type === 'data' && untext.decode(one.payload)).toBe('one');
    expect(again?.type === 'data' && untext.decode(again.payload)).toBe('one');
    // Not sent again at once: the server waits about a second for an ack. Read from the server's own
    // send times (`t`), which a slow test process cannot shorten.
    const sentAt = (index: number) => client.frames[index]!.body.t as number;
    expect(sentAt(again!.index) - sentAt(one!.index)).toBeGreaterThanOrEqual(900);
    inbox.poll();
    expect(inbox.delivered).toEqual(['one', 'two']);

    // Now acking as documented (16 frames or 100 ms): 20 more messages, all taken.
    inbox.acking = true;
    inbox.ack();
    const texts = Array.from({ length: 20 }, (_, index) => `m${index + 3}`);
    client.sendReliable(K.ClientRoomMessage, { t: 'dispatch', m: membership, d: texts });
    await eventually(() => {
      inbox.poll();
      return inbox.delivered.length >= 22;
    }, '22 messages delivered');
    // The last 6 are acked 100 ms after the first of them (16 were acked at once).
    await eventually(() => {
      inbox.poll();
      return inbox.lastAcked >= 22;
    }, 'the ack of all 22');
    inbox.stop();
    inbox.acking = false;
    const acked = client.frames.length;

    // One more, unacked: its resend comes, and none of the acked ones goes with it.
    client.sendReliable(K.ClientRoomMessage, { t: 'dispatch', m: membership, d: ['last'] });
    await eventually(() => datas().filter((f) => f.seq === 23).length >= 2, 'message 23 sent again', 10_000);
    const afterAck = datas().filter((f) => f.index >= acked);
    expect(afterAck.map((f) => f.seq)).toEqual(afterAck.map(() => 23));
    expect(inbox.delivered).toEqual(['one', 'two', ...texts]);
  });

  it('relays DataToPeer between two members on each link channel, with its class, sender and membership', async () => {
    const urls = await start();
    const alice = await open(urls, 'Alice');
    const bob = await open(urls, 'Bob');
    const created = await alice.client.request(K.CreateRoom, { type: 'test' });
    const aliceM = joinedMembership(created);
    const roomId = (created.result as { room: { roomId: string } }).room.roomId;
    const bobM = joinedMembership(await bob.client.request(K.JoinRoom, { roomId }));

    // phys (0) volatile, event (1) expiring, dispatch (2) reliable: "by channel". The event lives 5 s, long
    // enough to outlast a loaded machine, and the relay carries what remains of that life.
    alice.client.sendBare(K.DataToPeer, { to: bob.welcome.playerId, c: 0, p: Uint8Array.of(0), m: aliceM });
    alice.client.sendSequenced(
      K.DataToPeer,
      { to: bob.welcome.playerId, c: 1, p: Uint8Array.of(1), m: aliceM },
      5_000,
    );
    for (let seq = 1; seq <= 3; seq++) {
      const payload = dispatchData(0, seq, text.encode(`d${seq}`));
      alice.client.sendReliable(K.DataToPeer, { to: bob.welcome.playerId, c: 2, p: payload, m: aliceM });
    }
    const fromAlice = (c: number) => (f: Frame) => f.kind === K.DataFromPeer && f.body.c === c;
    const phys = await bob.client.waitFor(fromAlice(0), 'phys');
    const event = await bob.client.waitFor(fromAlice(1), 'event');
    await eventually(() => bob.client.frames.filter(fromAlice(2)).length >= 3, 'three dispatch messages');
    const dispatch = bob.client.frames.filter(fromAlice(2));

    expect(phys.envelope).toBe('bare');
    expect(event.envelope).toBe('expiring');
    expect(event.ttlMs).toBeLessThanOrEqual(5_000);
    expect(event.ttlMs).toBeGreaterThan(250); // not the link's default lifetime
    expect(dispatch.map((f) => f.envelope)).toEqual(['reliable', 'reliable', 'reliable']);
    for (const frame of [phys, event, ...dispatch]) {
      // `from` is stamped by the server; `m` is the receiver's membership; `t` the server's clock.
      expect(frame.body.from).toBe(alice.welcome.playerId);
      expect(frame.body.m).toBe(bobM);
      expect(Math.abs((frame.body.t as number) - Date.now())).toBeLessThan(5_000);
    }
    expect(Array.from(phys.body.p as Uint8Array)).toEqual([0]);
    expect(Array.from(event.body.p as Uint8Array)).toEqual([1]);
    // The dispatch bytes go through unchanged and in order: the peer link's own stream is the client's.
    const relayed = dispatch.map((f) => readDispatch(f.body.p as Uint8Array));
    expect(relayed.map((f) => [f.type, f.epoch, f.seq])).toEqual([
      ['data', 0, 1],
      ['data', 0, 2],
      ['data', 0, 3],
    ]);
    expect((dispatch[0]!.body.p as Uint8Array)[0]).toBe(DISPATCH_DATA);

    // And back: bob's ack of alice's stream (epoch 0, up to 3) reaches alice on the dispatch channel.
    bob.client.sendReliable(K.DataToPeer, {
      to: alice.welcome.playerId,
      c: 2,
      p: dispatchAck(0, 3),
      m: bobM,
    });
    const ack = await alice.client.waitFor(
      (f) => f.kind === K.DataFromPeer && f.body.c === 2 && f.body.from === bob.welcome.playerId,
      'the ack',
    );
    expect(readDispatch(ack.body.p as Uint8Array)).toEqual({ type: 'ack', epoch: 0, seq: 3 });
    expect(ack.body.m).toBe(aliceM);

    // DataToPeers: one phys sample for several members; the sender itself, listed, is skipped.
    expect(alice.welcome.dataToPeers).toBe(true);
    alice.client.sendBare(K.DataToPeers, {
      to: [bob.welcome.playerId, alice.welcome.playerId],
      c: 0,
      p: Uint8Array.of(9),
      m: aliceM,
    });
    await bob.client.waitFor(
      (f) => fromAlice(0)(f) && (f.body.p as Uint8Array)[0] === 9,
      'the fanned-out sample',
    );
  });

  it('answers peer data to a player not in the room with a NOT_IN_ROOM notice, and keeps the connection', async () => {
    const urls = await start();
    const alice = await open(urls, 'Alice');
    const carol = await open(urls, 'Carol');
    const aliceM = joinedMembership(await alice.client.request(K.CreateRoom, { type: 'test' }));
    joinedMembership(await carol.client.request(K.CreateRoom, { type: 'test' }));

    alice.client.sendReliable(K.DataToPeer, {
      to: carol.welcome.playerId,
      c: 2,
      p: dispatchData(0, 1, text.encode('x')),
      m: aliceM,
    });
    const notice = await alice.client.waitFor((f) => f.kind === K.Error, 'the notice');
    expect(notice.body.code).toBe('NOT_IN_ROOM');
    expect(notice.body.rid).toBeUndefined();
    expect(carol.client.frames.some((f) => f.kind === K.DataFromPeer)).toBe(false);
    // A notice, not a close: the connection still answers requests.
    expect((await alice.client.request(K.LeaveRoom, {})).ok).toBe(true);
    expect(alice.client.closed).toBeUndefined();
  });

  it('takes a dispatch payload that is no dispatch frame as a silent fault, and ends the session once the budget is spent', async () => {
    const urls = await start();
    const { client, guest, welcome } = await open(urls, 'Ada');
    joinedMembership(await client.request(K.CreateRoom, { type: 'link' }));

    // One bad frame (no marker) costs a fault but is told nothing: the good one after it is delivered
    // and no Error has come.
    sendDispatch(client, Uint8Array.of(0x07, 0x00, 0x01));
    sendDispatch(client, dispatchData(0, 1, text.encode('ok')));
    await eventually(() => linkMessages.length >= 1, 'the good message');
    expect(linkMessages.map((m) => m.text)).toEqual(['ok']);
    expect(client.frames.some((f) => f.kind === K.Error)).toBe(false);

    // A batch of them (a marker and no epoch) spends the fault budget (20): the only word is the one
    // `Error` that goes with the close, TOO_MANY_ERRORS, naming the fault that spent it.
    sendDispatch(client, ...Array.from({ length: 40 }, () => Uint8Array.of(0x08)));
    const closed = await client.waitClosed(5_000);
    expect(closed.code).toBe(CLOSE.TOO_MANY_ERRORS);
    const errors = client.frames.filter((f) => f.kind === K.Error).map((f) => f.body);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'TOO_MANY_ERRORS',
      message: expect.stringContaining('BAD_FRAME'),
    });

    // The session was ended at once: a resume is refused, and the client starts afresh.
    const again = await connect(urls, guest.token);
    await expect(
      again.hello({
        resume: { playerId: welcome.playerId, token: welcome.resumeToken, ack: client.received },
      }),
    ).rejects.toMatchObject({ code: 'SESSION_EXPIRED', reason: 'ended' });
  });
});
