import * as v from 'valibot';
import {
  ErrorCode,
  Kind,
  MAX_ROOM_REQUESTS_WAITING,
  OUR_FEATURES,
  PROTOCOL_VERSION,
} from 'vehikill-net/protocol';
import {
  MAX_ROOM_REQUESTS_OVERDUE,
  MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE,
  ManualClock,
  MIN_REQUEST_DEADLINE_MS,
  OVERDUE_WRITE_OFF_MS,
  Room,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { rawCreator } from '../support/raw-member.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * A room handler that never settles (or settles long after) holds a place among the player's requests
 * waiting only until the request's deadline, the wait the client said it would give it: then the server
 * answers REQUEST_TIMEOUT and frees the place, and the handler's late answer is dropped. The handlers
 * still running past their deadlines are bounded too, so that a client cannot start more by waiting less.
 */

const GATE_TYPES = Array.from({ length: 8 }, (_, n) => `gate:${n}`);

class HangingRoom extends Room {
  static last: HangingRoom | undefined;
  /** Settles the 'gate' handlers' promises, oldest first. */
  readonly gates: Array<() => void> = [];

  override onCreate(): void {
    HangingRoom.last = this;
    this.onMessage('hang', v.unknown(), () => new Promise(() => {}));
    // 'gate', and types of their own ('gate:0', ...) for requests that count apart.
    for (const type of ['gate', ...GATE_TYPES]) {
      this.onMessage(
        type,
        v.unknown(),
        () =>
          new Promise((resolve) => {
            this.gates.push(() => resolve('through'));
          }),
      );
    }
    this.onMessage('undef', v.unknown(), () => undefined);
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  HangingRoom.last = undefined;
});

describe("a room request's deadline on the server", () => {
  it('frees the places of handlers that never settle: 64 of them no longer lock the player out', async () => {
    t = await startServer({ hanging: HangingRoom });
    const client = t.client();
    await client.connect();
    const room = await client.create('hanging');
    const hung = Array.from({ length: MAX_ROOM_REQUESTS_WAITING }, () =>
      room.request('hang', undefined, { timeoutMs: 50 }).catch((error: { code: string }) => error.code),
    );
    expect(new Set(await Promise.all(hung))).toEqual(new Set([ErrorCode.REQUEST_TIMEOUT]));
    // The server's REQUEST_TIMEOUT for each, past its deadline: late on the client, which lets their ids go.
    await eventually(
      () => client.stats().requests.lateReplies === MAX_ROOM_REQUESTS_WAITING,
      "the server's answers at the deadlines",
    );
    expect(await room.request('undef')).toBeUndefined();
    expect(client.state).toBe('open');
  });

  it('answers REQUEST_TIMEOUT at the wait the request states, and drops the late answer', async () => {
    t = await startServer({ hanging: HangingRoom });
    const raw = await rawCreator(t, 'hanging');
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: 7, w: 50 });
    await eventually(() => raw.received(Kind.RoomReply).length === 1, 'the answer at the deadline');
    expect(raw.received(Kind.RoomReply)[0]).toMatchObject({
      q: 7,
      ok: false,
      code: ErrorCode.REQUEST_TIMEOUT,
    });
    // The id is free again: a new request may take it, and the late handler's answer must not settle it.
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: 7, w: 60_000 });
    await eventually(() => HangingRoom.last?.gates.length === 2, 'the second request handled');
    HangingRoom.last?.gates[0]?.();
    HangingRoom.last?.gates[1]?.();
    await eventually(() => raw.received(Kind.RoomReply).length === 2, 'the second answer');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(raw.received(Kind.RoomReply)).toEqual([
      expect.objectContaining({ q: 7, code: ErrorCode.REQUEST_TIMEOUT }),
      { q: 7, ok: true, d: 'through' },
    ]);
    expect(raw.received(Kind.Error)).toEqual([]);
  });
});

/**
 * A raw client that created a room of `type`, saying in its hello what this version supports (as our
 * client does): it reads the newer codes.
 */
async function rawCreatorOfThisVersion(server: TestServer, type: string): Promise<RawClient> {
  const raw = new RawClient(server.wsUrl, server.server.issueGuestToken('mallory'));
  await raw.opened;
  raw.send(Kind.Hello, { v: PROTOCOL_VERSION, features: [...OUR_FEATURES] });
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  raw.send(Kind.CreateRoom, { rid: 1, type });
  await eventually(() => raw.received(Kind.Response).length === 1, 'the room created');
  return raw;
}

/** What the replies to a raw client's requests came to, in order: `ok` or the refusal's code. */
const outcomes = (raw: RawClient) =>
  raw.received(Kind.RoomReply).map((reply) => (reply.ok ? 'ok' : reply.code));

describe('handlers still running past their deadlines', () => {
  it('are bounded: a client waiting 1 ms for each request starts no more, and is refused REQUESTS_OVERDUE', async () => {
    t = await startServer({ hanging: HangingRoom });
    const raw = await rawCreatorOfThisVersion(t, 'hanging');
    const room = HangingRoom.last as HangingRoom;
    // A client keeping to its places: a batch of requests, the next one once all of this one's replies came.
    const batch = 32;
    let q = 0;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < batch; i++) raw.send(Kind.ClientRoomMessage, { t: 'gate', q: q++, w: 1 });
      await eventually(() => raw.received(Kind.RoomReply).length === q, `round ${round} answered`);
    }
    // 'gate' handlers never settle until the test opens them: each one started is running still.
    expect(room.gates.length).toBeLessThan(MAX_ROOM_REQUESTS_WAITING + MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE);
    expect(outcomes(raw)).toContain(ErrorCode.REQUESTS_OVERDUE);
    expect(new Set(outcomes(raw))).toEqual(new Set([ErrorCode.REQUEST_TIMEOUT, ErrorCode.REQUESTS_OVERDUE]));
    // The server held each place at least its floor, not the 1 ms asked for.
    expect(raw.received(Kind.RoomReply)[0]).toMatchObject({
      message: expect.stringContaining(`within ${MIN_REQUEST_DEADLINE_MS} ms`),
    });
    // Refusals of an honest client's request: no fault.
    expect(raw.received(Kind.Error)).toEqual([]);
    // As they settle, their type is handled again.
    for (const open of room.gates.splice(0)) open();
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: q++ });
    await eventually(() => room.gates.length === 1, 'handled once they settled');
  });

  it('of every type are bounded too, beyond what one type may reach', async () => {
    const clock = new ManualClock(0);
    t = await startServer({ hanging: HangingRoom }, { clock });
    const raw = await rawCreatorOfThisVersion(t, 'hanging');
    const room = HangingRoom.last as HangingRoom;
    const perType = MAX_ROOM_REQUESTS_OVERDUE / GATE_TYPES.length;
    let q = 0;
    // Within the player's places at each turn: half the types, then the other half once those are overdue.
    for (const types of [GATE_TYPES.slice(0, 4), GATE_TYPES.slice(4)]) {
      for (const type of types)
        for (let i = 0; i < perType; i++) raw.send(Kind.ClientRoomMessage, { t: type, q: q++, w: 1 });
      await eventually(() => room.gates.length === q, 'running');
      clock.advance(MIN_REQUEST_DEADLINE_MS);
      await eventually(() => raw.received(Kind.RoomReply).length === q, 'their deadlines');
    }
    raw.send(Kind.ClientRoomMessage, { t: 'undef', q: q++ });
    await eventually(() => raw.received(Kind.RoomReply).length === q, 'refused');
    expect(outcomes(raw).at(-1)).toBe(ErrorCode.REQUESTS_OVERDUE);
    expect(room.gates.length).toBe(MAX_ROOM_REQUESTS_OVERDUE);
  });

  it('hold off only their own type, and only for a minute: hung handlers lock no one out', async () => {
    const clock = new ManualClock(0);
    // Heartbeats far apart: the clock jumps a minute, and the raw client answers no pings.
    t = await startServer({ hanging: HangingRoom }, { clock, heartbeatMs: 120_000 });
    const raw = await rawCreatorOfThisVersion(t, 'hanging');
    const room = HangingRoom.last as HangingRoom;
    const overdue = MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE;
    for (let q = 0; q < overdue; q++) raw.send(Kind.ClientRoomMessage, { t: 'gate', q, w: 1 });
    await eventually(() => room.gates.length === overdue, 'all running');
    clock.advance(MIN_REQUEST_DEADLINE_MS);
    await eventually(() => raw.received(Kind.RoomReply).length === overdue, 'their deadlines');
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: 100 });
    raw.send(Kind.ClientRoomMessage, { t: 'undef', q: 101 });
    await eventually(() => raw.received(Kind.RoomReply).length === overdue + 2, 'answered');
    expect(outcomes(raw).slice(-2)).toEqual([ErrorCode.REQUESTS_OVERDUE, 'ok']);
    expect(room.gates.length).toBe(overdue);
    clock.advance(OVERDUE_WRITE_OFF_MS);
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: 102 });
    await eventually(() => room.gates.length === overdue + 1, 'handled once they were written off');
    expect(raw.received(Kind.Error)).toEqual([]);
  });

  it('are told to a client that lists no features (an older one) as RATE_LIMITED, a code it reads', async () => {
    const clock = new ManualClock(0);
    t = await startServer({ hanging: HangingRoom }, { clock, heartbeatMs: 120_000 });
    const raw = await rawCreator(t, 'hanging');
    const overdue = MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE;
    // It states no wait: its requests are held 60 s.
    for (let q = 0; q < overdue; q++) raw.send(Kind.ClientRoomMessage, { t: 'gate', q });
    await eventually(() => HangingRoom.last?.gates.length === overdue, 'all running');
    clock.advance(60_000);
    raw.send(Kind.ClientRoomMessage, { t: 'gate', q: 100 });
    await eventually(() => raw.received(Kind.RoomReply).length === overdue + 1, 'refused');
    expect(outcomes(raw).at(-1)).toBe(ErrorCode.RATE_LIMITED);
    expect(raw.received(Kind.RoomReply).at(-1)).toMatchObject({
      message: expect.stringContaining('still running past their deadlines'),
    });
  });
});
