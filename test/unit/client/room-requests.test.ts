import { ErrorCode, ProtocolError, RoomRequestError } from 'vehikill-net/protocol';
import { ManualClock } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { RoomRequests } from '../../../src/client/room-requests.js';
import { flush, settled } from '../../support/settled.js';

function asker() {
  const clock = new ManualClock(0);
  const sent: Array<{ q: number; options: unknown; w: number }> = [];
  const requests = new RoomRequests(clock);
  const room = {};
  const ask = (options?: object, owner: object = room) =>
    requests.ask(owner, 'buy', options, (q, sendOptions, w) => sent.push({ q, options: sendOptions, w }));
  return { clock, sent, requests, room, ask };
}

describe('RoomRequests', () => {
  it('settles each request with the reply naming its id, and drops a reply to none', async () => {
    const { requests, sent, ask } = asker();
    const first = settled(ask());
    const second = settled(ask({ class: 'expiring', ttlMs: 100, timeoutMs: 499.5 }));
    // Each says how long it waits (whole ms, rounded up): the server holds its handler no longer.
    expect(sent).toEqual([
      { q: 1, options: {}, w: 10_000 },
      { q: 2, options: { class: 'expiring', ttlMs: 100 }, w: 500 },
    ]);
    requests.reply({ q: 2, ok: false, code: ErrorCode.REQUEST_FAILED, message: 'no', reason: 'NOPE' });
    requests.reply({ q: 1, ok: true, d: { coins: 40 } });
    requests.reply({ q: 1, ok: true, d: 'again' });
    requests.reply({ q: 99, ok: true });
    await flush();
    expect(first.value).toEqual({ coins: 40 });
    expect(second.error).toBeInstanceOf(RoomRequestError);
    expect(second.error).toMatchObject({ code: ErrorCode.REQUEST_FAILED, message: 'no', reason: 'NOPE' });
    expect(requests.stats).toEqual({ waiting: 0, timedOut: 0, lateReplies: 2 });
  });

  it('times out at timeoutMs (default 10 s); the reply after is counted late', async () => {
    const { clock, requests, ask } = asker();
    const short = settled(ask({ timeoutMs: 50 }));
    const usual = settled(ask());
    clock.advance(49);
    await flush();
    expect(short.done).toBe(false);
    clock.advance(1);
    await flush();
    expect(short.error).toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    clock.advance(9_949);
    await flush();
    expect(usual.done).toBe(false);
    clock.advance(1);
    await flush();
    expect(usual.error).toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    requests.reply({ q: 1, ok: true });
    expect(requests.stats).toEqual({ waiting: 0, timedOut: 2, lateReplies: 1 });
  });

  it("fails a room's requests when it is left, and every request when the session ends", async () => {
    const { requests, ask, room } = asker();
    const other = {};
    const mine = settled(ask());
    const theirs = settled(ask(undefined, other));
    requests.failOf(room, ErrorCode.NOT_IN_ROOM, 'left room r1');
    await flush();
    expect(mine.error).toMatchObject({
      code: ErrorCode.NOT_IN_ROOM,
      message: "no reply to 'buy': left room r1",
    });
    expect(theirs.done).toBe(false);
    requests.failAll(ErrorCode.SESSION_EXPIRED, 'the session ended');
    await flush();
    expect(theirs.error).toMatchObject({ code: ErrorCode.SESSION_EXPIRED });
    expect(requests.stats.waiting).toBe(0);
  });

  it("keeps a reliable request's place past its timeout or its room's leave until its reply, as the server does", async () => {
    const { clock, requests, sent, ask, room } = asker();
    // The server's handlers may still run: their places are taken there until they answer.
    for (let i = 0; i < 63; i++) void ask({ timeoutMs: 10 }).catch(() => {});
    const leaving = settled(ask({ timeoutMs: 60_000 }));
    clock.advance(10);
    requests.failOf(room, ErrorCode.NOT_IN_ROOM, 'left');
    await flush();
    expect(leaving.error).toMatchObject({ code: ErrorCode.NOT_IN_ROOM });
    expect(requests.stats.waiting).toBe(0);
    const refused = settled(ask());
    await flush();
    expect(refused.error).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    // A late reply gives its place back, and its id is not used again while it was out.
    requests.reply({ q: 5, ok: true });
    const next = settled(ask());
    await flush();
    expect(next.done).toBe(false);
    expect(sent.at(-1)?.q).toBe(65);
    // Volatile and expiring requests may never reach the server: their place is free at their timeout.
    requests.failAll(ErrorCode.NOT_CONNECTED, 'closed');
    await flush();
    for (let i = 0; i < 64; i++) void ask({ class: 'volatile', timeoutMs: 10 }).catch(() => {});
    clock.advance(10);
    await flush();
    const after = settled(ask());
    await flush();
    expect(after.done).toBe(false);
  });

  it('refuses at the call, sending nothing: bad options, a 65th waiting, and what the send throws', async () => {
    const { requests, sent, ask } = asker();
    for (const options of [{ timeoutMs: -1 }, { timeoutMs: 2 ** 31 }, { ttlMs: 5 }, () => {}]) {
      const refused = settled(ask(options as object));
      await flush();
      expect(refused.error).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    }
    expect(sent).toEqual([]);
    for (let i = 0; i < 64; i++) void ask();
    const over = settled(ask());
    await flush();
    expect(over.error).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    expect(sent).toHaveLength(64);
    requests.reply({ q: 1, ok: true });
    const throwing = settled(
      requests.ask({}, 'x', undefined, () => {
        throw new ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, 'too big');
      }),
    );
    await flush();
    expect(throwing.error).toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE });
    expect(requests.stats.waiting).toBe(63);
  });
});
