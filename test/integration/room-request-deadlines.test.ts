import * as v from 'valibot';
import { ErrorCode, Kind, MAX_ROOM_REQUESTS_WAITING } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { rawCreator } from '../support/raw-member.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * A room handler that never settles (or settles long after) holds a place among the player's requests
 * waiting only until the request's deadline, the wait the client said it would give it: then the server
 * answers REQUEST_TIMEOUT and frees the place, and the handler's late answer is dropped.
 */

class HangingRoom extends Room {
  static last: HangingRoom | undefined;
  /** Settles the 'gate' handlers' promises, oldest first. */
  readonly gates: Array<() => void> = [];

  override onCreate(): void {
    HangingRoom.last = this;
    this.onMessage('hang', v.unknown(), () => new Promise(() => {}));
    this.onMessage(
      'gate',
      v.unknown(),
      () =>
        new Promise((resolve) => {
          this.gates.push(() => resolve('through'));
        }),
    );
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
