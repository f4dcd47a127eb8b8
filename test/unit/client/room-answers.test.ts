import { describe, expect, it, vi } from 'vitest';
import { MAX_RESERVED_ANSWER_BYTES } from '../../../src/client/outbox-reserve.js';
import { RoomAnswers } from '../../../src/client/room-answers.js';
import { RoomRequestHandlers } from '../../../src/client/room-request-handlers.js';
import { ManualClock } from '../../../src/common/index.js';
import {
  type Body,
  DEFAULT_REQUEST_TIMEOUT_MS,
  decodeFrame,
  ErrorCode,
  Kind,
  MAX_ROOM_REQUESTS_WAITING,
  ProtocolError,
  RoomError,
  wrapReliable,
} from '../../../src/protocol/index.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Answers sent through a stand-in session: the RoomReply bodies, in order. `full`: its outbox is full (it
 * takes only what may take the answers' share of the reserve, `shareBytes` of it).
 */
function answering(limitBytes = 65_536, full = false, shareBytes = Number.POSITIVE_INFINITY) {
  const clock = new ManualClock(0);
  const sent: Array<Body<typeof Kind.RoomReply>> = [];
  let shareLeft = shareBytes;
  const answers = new RoomAnswers(clock, {
    sendSequenced(inner, _ttlMs, _behindWaiting, reserve) {
      if (inner.length > limitBytes) throw new ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, 'over the limit');
      if (full && (reserve !== 'answers' || inner.length > shareLeft)) {
        throw new ProtocolError(ErrorCode.OUTBOX_OVERFLOW, 'full');
      }
      if (full) shareLeft -= inner.length;
      const { message } = decodeFrame(wrapReliable(1, inner), new Set([Kind.RoomReply]));
      sent.push(message.body as Body<typeof Kind.RoomReply>);
    },
  });
  const request = (q: number, w?: number) => ({
    roomId: 'room1',
    t: 'ready',
    q,
    ...(w === undefined ? {} : { w }),
  });
  return { clock, sent, answers, request };
}

describe('RoomAnswers', () => {
  it("answers each request once; at the wait it carries, REQUEST_TIMEOUT, and the handler's later value is dropped", () => {
    const { clock, sent, answers, request } = answering();
    expect(answers.take(request(1, 100))).toBe(true);
    expect(answers.take(request(2, 100))).toBe(true);
    answers.answer(1, { ok: true, value: 'yes' });
    answers.answer(1, { ok: true, value: 'again' });
    clock.advance(100);
    answers.answer(2, { ok: true, value: 'too late' });
    expect(sent).toEqual([
      { q: 1, ok: true, d: 'yes' },
      {
        q: 2,
        ok: false,
        code: ErrorCode.REQUEST_TIMEOUT,
        message: "the player did not answer 'ready' within 100 ms",
      },
    ]);
  });

  it(`refuses an id owed already, and answers RATE_LIMITED past ${MAX_ROOM_REQUESTS_WAITING} owed`, () => {
    const { sent, answers, request } = answering();
    for (let q = 1; q <= MAX_ROOM_REQUESTS_WAITING; q++) expect(answers.take(request(q))).toBe(true);
    expect(answers.take(request(1))).toBe(false);
    expect(sent).toEqual([]);
    expect(answers.take(request(100))).toBe(false);
    expect(sent).toEqual([
      { q: 100, ok: false, code: ErrorCode.RATE_LIMITED, message: 'too many requests running here' },
    ]);
  });

  it('answers REQUEST_FAILED, saying why, for a value the server would refuse', () => {
    const { sent, answers, request } = answering(1_000);
    answers.take(request(1));
    answers.take(request(2));
    answers.answer(1, { ok: true, value: 'x'.repeat(2_000) });
    answers.answer(2, { ok: true, value: new Map() });
    expect(sent.map((body) => [body.q, body.ok ? 'ok' : body.code])).toEqual([
      [1, ErrorCode.REQUEST_FAILED],
      [2, ErrorCode.REQUEST_FAILED],
    ]);
    expect(sent[0]).toMatchObject({ message: "the player's answer could not be sent: over the limit" });
  });

  it('answers through a full outbox: a small answer as it is, a larger one as a refusal saying why', () => {
    const { clock, sent, answers, request } = answering(65_536, true);
    for (const q of [1, 2, 3]) answers.take(request(q, 100));
    answers.answer(1, { ok: true, value: { ready: true } });
    answers.answer(2, { ok: true, value: 'x'.repeat(MAX_RESERVED_ANSWER_BYTES) });
    clock.advance(100);
    expect(sent).toEqual([
      { q: 1, ok: true, d: { ready: true } },
      {
        q: 2,
        ok: false,
        code: ErrorCode.OUTBOX_OVERFLOW,
        message: "the player's client could not send its answer: its outbox is full (too much waiting to go)",
      },
      expect.objectContaining({ q: 3, ok: false, code: ErrorCode.REQUEST_TIMEOUT }),
    ]);
  });

  it("answers past the share's room as a refusal saying why, while that fits: the share is not exceeded", () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    // Room in the share for about one answer of 200 bytes and one short refusal.
    const { sent, answers, request } = answering(65_536, true, 360);
    for (const q of [1, 2, 3]) answers.take(request(q, 100));
    for (const q of [1, 2, 3]) answers.answer(q, { ok: true, value: 'x'.repeat(200) });
    expect(sent).toEqual([
      { q: 1, ok: true, d: 'x'.repeat(200) },
      {
        q: 2,
        ok: false,
        code: ErrorCode.OUTBOX_OVERFLOW,
        message: "the player's client could not send its answer: its outbox is full (too much waiting to go)",
      },
    ]);
    // The third fits in no way: said in the log; the room's wait ends it.
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('owes nothing once the session ended: no answer goes, no wait runs', () => {
    const { clock, sent, answers, request } = answering();
    answers.take(request(1, 100));
    answers.clear();
    clock.advance(100);
    answers.answer(1, { ok: true, value: 'for the next session' });
    expect(sent).toEqual([]);
  });
});

describe('RoomRequestHandlers', () => {
  function handlers() {
    const clock = new ManualClock(0);
    const answered: Array<{ q: number; outcome: unknown }> = [];
    const room = new RoomRequestHandlers(clock, (q, outcome) => answered.push({ q, outcome }), clock.now());
    return { clock, answered, room };
  }

  it("answers with the handler's value, or its promise's; a RoomError says its code, another throw nothing", async () => {
    const { answered, room } = handlers();
    room.on('sync', (data) => ({ echo: data }));
    room.on('async', async () => 'later');
    room.on('refuse', () => {
      throw new RoomError('IN_MENU', 'in a menu');
    });
    room.on('bug', () => {
      throw new Error('secret');
    });
    room.receive(1, 'sync', 5);
    room.receive(2, 'async', undefined);
    room.receive(3, 'refuse', undefined);
    room.receive(4, 'bug', undefined);
    await flush();
    expect(answered).toEqual([
      { q: 1, outcome: { ok: true, value: { echo: 5 } } },
      {
        q: 3,
        outcome: { ok: false, code: ErrorCode.REQUEST_FAILED, message: 'in a menu', reason: 'IN_MENU' },
      },
      {
        q: 4,
        outcome: {
          ok: false,
          code: ErrorCode.REQUEST_FAILED,
          message: "the player failed to answer the room's 'bug' request",
        },
      },
      { q: 2, outcome: { ok: true, value: 'later' } },
    ]);
  });

  it('keeps a request that came in the first second, before any handler of its type, for the first one', () => {
    const { clock, answered, room } = handlers();
    clock.advance(500);
    room.receive(1, 'ready', 'early');
    room.receive(2, 'other', undefined);
    expect(answered).toEqual([]);
    room.on('ready', (data) => `got ${String(data)}`);
    expect(answered).toEqual([{ q: 1, outcome: { ok: true, value: 'got early' } }]);
    // The second is refused once the early time is over, and one after it at once.
    clock.advance(500);
    room.receive(3, 'other', undefined);
    expect(answered.slice(1).map(({ q, outcome }) => [q, (outcome as { code: string }).code])).toEqual([
      [2, ErrorCode.UNKNOWN_MESSAGE_TYPE],
      [3, ErrorCode.UNKNOWN_MESSAGE_TYPE],
    ]);
  });

  it("forgets a handler that never settles once the room's wait for it is over, not at the leave", async () => {
    const { clock, answered, room } = handlers();
    room.on('hang', () => new Promise(() => {}));
    room.on('quick', async () => 'done');
    // A long-lived room asking a handler that hangs, again and again: each is kept only while it is waited for.
    for (let q = 1; q <= 1_000; q++) {
      room.receive(q, 'hang', undefined, 500);
      clock.advance(100);
    }
    // Those that came in the last 500 ms (the one 500 ms ago was let go just now).
    expect(room.running).toBe(4);
    clock.advance(500);
    expect(room.running).toBe(0);
    // A server that states no wait: the wait RoomAnswers gives such a request.
    room.receive(2_000, 'hang', undefined);
    clock.advance(DEFAULT_REQUEST_TIMEOUT_MS - 1);
    expect(room.running).toBe(1);
    clock.advance(1);
    expect(room.running).toBe(0);
    // Those that settle in time are answered as ever.
    room.receive(2_001, 'quick', undefined, 500);
    await flush();
    expect(answered).toEqual([{ q: 2_001, outcome: { ok: true, value: 'done' } }]);
    // Their waits over, the leave has nothing of theirs left to answer.
    room.left();
    expect(answered).toHaveLength(1);
  });

  it('hands a handler registered late none of the requests kept early whose wait is over', () => {
    const { clock, answered, room } = handlers();
    room.receive(1, 'ready', undefined, 300);
    room.receive(2, 'ready', undefined, 900);
    clock.advance(300);
    const ran: unknown[] = [];
    room.on('ready', (data) => {
      ran.push(data);
      return 'ready';
    });
    // The room stopped waiting for the first (answered REQUEST_TIMEOUT then): the app does not act on it.
    expect(answered).toEqual([{ q: 2, outcome: { ok: true, value: 'ready' } }]);
    expect(ran).toHaveLength(1);
  });

  it('counts the wait of a request kept early from its arrival', () => {
    const { clock, room } = handlers();
    room.receive(1, 'hang', undefined, 300);
    clock.advance(200);
    room.on('hang', () => new Promise(() => {}));
    expect(room.running).toBe(1);
    clock.advance(100);
    expect(room.running).toBe(0);
  });

  it('answers what runs NOT_IN_ROOM when the room is left, and drops what its handlers return later', async () => {
    const { answered, room } = handlers();
    let finish: (value: string) => void = () => {};
    room.on('slow', () => new Promise<string>((resolve) => (finish = resolve)));
    room.receive(1, 'slow', undefined);
    room.left();
    finish('done');
    await flush();
    room.receive(2, 'slow', undefined);
    expect(answered.map(({ q, outcome }) => [q, (outcome as { code: string }).code])).toEqual([
      [1, ErrorCode.NOT_IN_ROOM],
      [2, ErrorCode.NOT_IN_ROOM],
    ]);
  });
});
