import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode, MAX_ROOM_REQUESTS_WAITING, RoomRequestError } from '../../../src/protocol/index.js';
import type { HostedClient } from '../../../src/server/rooms/hosted-client.js';
import { MAX_ROOM_ASKS_WAITING, RoomAsks } from '../../../src/server/rooms/room-asks.js';
import {
  RESYNC_ANSWER_MARGIN_MS,
  RequestsToPlayer,
} from '../../../src/server/sessions/requests-to-player.js';
import { bareSession } from '../../support/bare-session.js';
import { flush, settled } from '../../support/settled.js';

function player(answers = true) {
  const clock = new ManualClock(0);
  const requests = new RequestsToPlayer(clock);
  requests.answers = answers;
  const sent: number[] = [];
  const seat = {};
  const ask = (timeoutMs = 1_000, owner: object = seat) =>
    requests.ask(owner, 'ready', timeoutMs, (q) => sent.push(q));
  return { clock, requests, sent, seat, ask };
}

describe('RequestsToPlayer', () => {
  it('settles each request with the answer naming its id: a value, or a refusal with its reason', async () => {
    const { requests, sent, ask } = player();
    const first = settled(ask());
    const second = settled(ask());
    expect(sent).toEqual([1, 2]);
    expect(
      requests.answer({ q: 2, ok: false, code: ErrorCode.REQUEST_FAILED, message: 'no', reason: 'BUSY' }),
    ).toBe('answered');
    expect(requests.answer({ q: 1, ok: true, d: { ready: true } })).toBe('answered');
    await flush();
    expect(first.value).toEqual({ ready: true });
    expect(second.error).toBeInstanceOf(RoomRequestError);
    expect(second.error).toMatchObject({ code: ErrorCode.REQUEST_FAILED, message: 'no', reason: 'BUSY' });
  });

  it('takes an answer to no request asked, or a second answer, for unexpected', () => {
    const { requests, ask } = player();
    void ask();
    expect(requests.answer({ q: 7, ok: true })).toBe('unexpected');
    expect(requests.answer({ q: 0, ok: true })).toBe('unexpected');
    expect(requests.answer({ q: 1, ok: true })).toBe('answered');
    expect(requests.answer({ q: 1, ok: true })).toBe('unexpected');
  });

  it('times out; the answer still owed comes late, once, and frees its place', async () => {
    const { clock, requests, ask } = player();
    const asked = settled(ask(50));
    clock.advance(50);
    await flush();
    expect(asked.error).toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    expect(requests.waiting).toBe(0);
    expect(requests.answer({ q: 1, ok: true })).toBe('late');
    expect(requests.answer({ q: 1, ok: true })).toBe('unexpected');
  });

  it(`asks no more of a player owing ${MAX_ROOM_REQUESTS_WAITING} answers, waited for or not`, async () => {
    const { clock, requests, sent, ask } = player();
    for (let i = 0; i < MAX_ROOM_REQUESTS_WAITING; i++) void ask(10).catch(() => {});
    clock.advance(10); // all timed out: owed still
    const refused = settled(ask());
    await flush();
    expect(refused.error).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    expect(sent).toHaveLength(MAX_ROOM_REQUESTS_WAITING);
    expect(requests.answer({ q: 5, ok: true })).toBe('late');
    void ask();
    expect(sent).toHaveLength(MAX_ROOM_REQUESTS_WAITING + 1);
  });

  it('after a resync, counts the answers owed until they come, or gives them up past their waits and a margin', async () => {
    const { clock, requests, sent, ask } = player();
    for (let i = 0; i < MAX_ROOM_REQUESTS_WAITING; i++) void ask(10).catch(() => {});
    clock.advance(10);
    requests.forgive();
    // The client still runs them (the replay brings those it had not got): no more is asked meanwhile.
    const refused = settled(ask(1_000));
    await flush();
    expect(refused.error).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    expect(sent).toHaveLength(MAX_ROOM_REQUESTS_WAITING);
    // Each answer that comes frees its place, late (the room stopped waiting), never a fault.
    expect(requests.answer({ q: 3, ok: true })).toBe('late');
    void ask(1_000).catch(() => {});
    expect(sent.at(-1)).toBe(MAX_ROOM_REQUESTS_WAITING + 1);
    // The others may have been lost in what the outbox dropped: given up past their waits and the margin.
    clock.advance(10 + RESYNC_ANSWER_MARGIN_MS - 1);
    const stillRefused = settled(ask(1_000));
    await flush();
    expect(stillRefused.error).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    expect(sent).toHaveLength(MAX_ROOM_REQUESTS_WAITING + 1);
    clock.advance(1);
    void ask(1_000).catch(() => {});
    expect(sent).toHaveLength(MAX_ROOM_REQUESTS_WAITING + 2);
    // Their answers after that are late too, not unexpected; an id never asked still is.
    expect(requests.answer({ q: 5, ok: true })).toBe('late');
    expect(requests.answer({ q: 5, ok: true })).toBe('late');
    expect(requests.answer({ q: MAX_ROOM_REQUESTS_WAITING + 2, ok: true })).toBe('answered');
    expect(requests.answer({ q: MAX_ROOM_REQUESTS_WAITING + 3, ok: true })).toBe('unexpected');
  });

  it("fails one seating's requests when it ends, and everything when the session does", async () => {
    const { requests, ask, seat } = player();
    const other = {};
    const mine = settled(ask());
    const theirs = settled(ask(1_000, other));
    requests.failOf(seat, ErrorCode.KICKED, 'kicked');
    await flush();
    expect(mine.error).toMatchObject({
      code: ErrorCode.KICKED,
      message: "no answer to request 'ready': kicked",
    });
    expect(theirs.done).toBe(false);
    expect(requests.answer({ q: 1, ok: true })).toBe('late'); // the client answers at its leave
    requests.failAll(ErrorCode.SESSION_EXPIRED, 'the session ended');
    await flush();
    expect(theirs.error).toMatchObject({ code: ErrorCode.SESSION_EXPIRED });
  });

  it('refuses at once, with nothing sent, a client that answers no requests, and what the send throws', async () => {
    const unsupported = player(false);
    const refused = settled(unsupported.ask());
    await flush();
    expect(refused.error).toMatchObject({ code: ErrorCode.REQUESTS_UNSUPPORTED });
    expect(unsupported.sent).toEqual([]);
    const { requests } = player();
    const thrown = settled(
      requests.ask({}, 'ready', 1_000, () => {
        throw new TypeError('unsendable');
      }),
    );
    await flush();
    expect(thrown.error).toBeInstanceOf(TypeError);
    expect(requests.waiting).toBe(0);
  });
});

describe('RoomAsks', () => {
  it(`keeps at most ${MAX_ROOM_ASKS_WAITING} of a room's requests waiting, across its members`, async () => {
    const clock = new ManualClock(0);
    const asks = new RoomAsks({ roomId: 'room1', maxPayloadBytes: 65_536 });
    const members = Array.from({ length: MAX_ROOM_ASKS_WAITING / MAX_ROOM_REQUESTS_WAITING + 1 }, (_, i) => {
      const session = bareSession(clock, `player${String(i).padStart(4, '0')}`);
      session.requestsToPlayer.answers = true;
      return { admission: 'seated', session } as unknown as HostedClient;
    });
    const [last, ...full] = members.reverse();
    for (const member of full) {
      for (let i = 0; i < MAX_ROOM_REQUESTS_WAITING; i++)
        void asks.ask(member, 'ready', undefined, { timeoutMs: 10 }).catch(() => {});
    }
    const refused = settled(asks.ask(last, 'ready', undefined, undefined));
    await flush();
    expect(refused.error).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    clock.advance(10);
    await flush();
    const asked = settled(asks.ask(last, 'ready', undefined, undefined));
    await flush();
    expect(asked.done).toBe(false);
  });
});
