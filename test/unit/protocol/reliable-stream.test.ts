import * as fc from 'fast-check';
import {
  clientToServerKinds,
  decodeFrame,
  ErrorCode,
  encodeMessage,
  Inbox,
  Kind,
  MAX_SEQ_AHEAD,
  MAX_TTL_MS,
  Outbox,
  type OutboxLimits,
  ProtocolError,
  wrapExpiring,
  wrapReliable,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

const message = (n: number) => encodeMessage(Kind.ClientRoomMessage, { t: 'n', d: n });
/** What a receiver sees in replayed frames: sequence number, envelope, remaining TTL and the payload. */
const decoded = (frames: readonly (Uint8Array | undefined)[]) =>
  frames.map((frame) => {
    const result = decodeFrame(frame!, clientToServerKinds);
    return {
      seq: result.envelope === 'bare' ? undefined : result.seq,
      ttlMs: result.envelope === 'expiring' ? result.ttlMs : undefined,
      n: (result.message.body as { d: number }).d,
    };
  });
const numbers = (frames: readonly Uint8Array[]) => decoded(frames).map((entry) => entry.n);
const roomy = { maxMessages: 100, maxBytes: 10_000 };

describe('Outbox', () => {
  it('numbers messages from 1 in one sequence shared by reliable and expiring', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    const frames = [outbox.push(message(1), 0), outbox.push(message(2), 0, 100), outbox.push(message(3), 0)];
    expect(decoded(frames)).toEqual([
      { seq: 1, ttlMs: undefined, n: 1 },
      { seq: 2, ttlMs: 100, n: 2 },
      { seq: 3, ttlMs: undefined, n: 3 },
    ]);
    expect(outbox.lastSeq).toBe(3);
    expect(outbox.size).toBe(3);
    expect(outbox.bytes).toBe(message(1).length * 3);
  });

  it('continueAfter numbers what it holds, and what comes next, on from the number a taken-over peer has', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    outbox.push(message(1), 0);
    outbox.push(message(2), 0, 100);
    outbox.continueAfter(40);
    expect(outbox.lastSeq).toBe(42);
    expect(outbox.acked).toBe(40);
    expect(decoded(outbox.replay(40, 0))).toEqual([
      { seq: 41, ttlMs: undefined, n: 1 },
      { seq: 42, ttlMs: 100, n: 2 },
    ]);
    expect(outbox.push(message(3), 0)).toEqual(wrapReliable(43, message(3)));
    // Numbered past it already: nothing changes.
    outbox.continueAfter(20);
    expect(outbox.lastSeq).toBe(43);
  });

  it('replay leaves out what `keep` refuses, the rest in order', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    for (const n of [1, 2, 3, 4]) outbox.push(message(n), 0);
    const odd = (inner: Uint8Array) => inner[inner.length - 1]! % 2 === 1;
    expect(numbers(outbox.replay(0, 0, odd))).toEqual([1, 3]);
    expect(outbox.size).toBe(4);
  });

  it('dropLargerThan removes the messages over a size, leaving gaps in the sequence, and their bytes', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    const big = encodeMessage(Kind.ClientRoomMessage, { t: 'n', d: 'x'.repeat(500) });
    outbox.push(message(1), 0);
    outbox.push(big, 0, 1_000);
    outbox.push(message(3), 0);
    outbox.push(big, 0);
    expect(outbox.dropLargerThan(big.length)).toEqual([]);
    expect(outbox.dropLargerThan(big.length - 1)).toEqual([big, big]);
    expect(outbox.size).toBe(2);
    expect(outbox.bytes).toBe(message(1).length * 2);
    expect(decoded(outbox.replay(0, 2_000)).map((entry) => entry.seq)).toEqual([1, 3]);
    expect(outbox.push(message(5), 0)).toEqual(wrapReliable(5, message(5)));
  });

  it('an ack drops everything up to and including it, and nothing else', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    for (let n = 1; n <= 5; n++) outbox.push(message(n), 0);
    outbox.ack(2);
    expect(outbox.size).toBe(3);
    outbox.ack(1); // an old ack changes nothing
    expect(outbox.size).toBe(3);
    expect(numbers(outbox.replay(0, 0))).toEqual([3, 4, 5]);
    outbox.ack(99);
    expect(outbox.size).toBe(0);
    expect(outbox.bytes).toBe(0);
    expect(outbox.push(message(6), 0)).toEqual(wrapReliable(6, message(6)));
  });

  it('replay returns every unacked reliable message in order, and keeps them until acked', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    for (let n = 1; n <= 5; n++) outbox.push(message(n), 0);
    expect(decoded(outbox.replay(3, 0))).toEqual([
      { seq: 4, ttlMs: undefined, n: 4 },
      { seq: 5, ttlMs: undefined, n: 5 },
    ]);
    // Another reconnect before any ack: the same frames again.
    expect(numbers(outbox.replay(3, 10_000))).toEqual([4, 5]);
  });

  it('never replays an expired expiring message, and writes the TTL that remains', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    outbox.push(message(1), 1_000, 100); // dies at 1,100
    outbox.push(message(2), 1_000);
    outbox.push(message(3), 1_050, 100); // dies at 1,150
    expect(decoded(outbox.replay(0, 1_100))).toEqual([
      { seq: 2, ttlMs: undefined, n: 2 },
      { seq: 3, ttlMs: 50, n: 3 },
    ]);
    expect(decoded(outbox.replay(0, 1_120.4))).toEqual([
      { seq: 2, ttlMs: undefined, n: 2 },
      { seq: 3, ttlMs: 30, n: 3 },
    ]);
    expect(numbers(outbox.replay(0, 2_000))).toEqual([2]);
    // Expired for good: time does not bring it back, and its bytes are freed.
    expect(outbox.size).toBe(1);
    expect(outbox.bytes).toBe(message(2).length);
  });

  it('replaySeqs and frameOf: each frame made when written, with the TTL left then, none once expired', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    outbox.push(message(1), 1_000);
    outbox.push(message(2), 1_000, 500); // dies at 1,500
    outbox.push(message(3), 1_000);
    expect(outbox.replaySeqs(1, 1_100)).toEqual([2, 3]);
    // Written 300 ms into the replay: 100 ms of life left, not the 400 it had when the replay began.
    expect(decoded([outbox.frameOf(2, 1_400)])).toEqual([{ seq: 2, ttlMs: 100, n: 2 }]);
    expect(outbox.frameOf(2, 1_500)).toBeUndefined();
    expect(decoded([outbox.frameOf(3, 1_500)])).toEqual([{ seq: 3, ttlMs: undefined, n: 3 }]);
    expect(outbox.frameOf(1, 1_500)).toBeUndefined(); // acked
    expect(outbox.frameOf(4, 1_500)).toBeUndefined(); // never sent
  });

  it('counts a message as expired at its deadline exactly', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    outbox.push(message(1), 0, 250);
    expect(decoded(outbox.replay(0, 249))).toEqual([{ seq: 1, ttlMs: 1, n: 1 }]);
    expect(outbox.replay(0, 250)).toEqual([]);
  });

  it('holds a TTL from the wire (a relayed DataToPeer: up to 2^53 - 1) to MAX_TTL_MS, so its replay can be written', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    // 1,000 + 2^53 - 1 is no double: its deadline rounds up, and what remained at once was 2^53, which no
    // varuint holds: the replay threw a RangeError out of the receiver's resume.
    expect(decoded([outbox.push(message(1), 1_000, Number.MAX_SAFE_INTEGER)])).toEqual([
      { seq: 1, ttlMs: MAX_TTL_MS, n: 1 },
    ]);
    expect(decoded(outbox.replay(0, 1_000))).toEqual([{ seq: 1, ttlMs: MAX_TTL_MS, n: 1 }]);
    expect(decoded([outbox.frameOf(1, 1_000)])).toEqual([{ seq: 1, ttlMs: MAX_TTL_MS, n: 1 }]);
    expect(outbox.replay(0, 1_000 + MAX_TTL_MS)).toEqual([]);
  });

  it('frees room taken by expired messages before deciding a push overflows', () => {
    const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'refuse' });
    outbox.push(message(1), 0, 10);
    outbox.push(message(2), 0, 10);
    expect(outbox.push(message(3), 5)).toBeUndefined();
    expect(outbox.push(message(3), 10)).toBeDefined();
    expect(outbox.size).toBe(1);
    expect(outbox.hasHole).toBe(false);
  });

  describe("overflow: 'refuse'", () => {
    it('refuses the new message when the message limit is reached, keeping order and sequence', () => {
      const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'refuse' });
      expect(outbox.push(message(1), 0)).toBeDefined();
      expect(outbox.push(message(2), 0)).toBeDefined();
      expect(outbox.push(message(3), 0)).toBeUndefined();
      expect(outbox.push(message(3), 0, 100)).toBeUndefined();
      expect(outbox.lastSeq).toBe(2); // a refused message takes no sequence number
      expect(outbox.hasHole).toBe(false);
      outbox.ack(1);
      expect(decoded([outbox.push(message(3), 0)])).toEqual([{ seq: 3, ttlMs: undefined, n: 3 }]);
      expect(numbers(outbox.replay(0, 0))).toEqual([2, 3]);
    });

    it('refuses when the byte limit would be passed', () => {
      const big = encodeMessage(Kind.ClientRoomMessage, { t: 'n', d: 'x'.repeat(580) });
      const outbox = new Outbox({ maxMessages: 100, maxBytes: 1_000, overflow: 'refuse' });
      expect(outbox.push(big, 0)).toBeDefined();
      expect(outbox.push(big, 0)).toBeUndefined();
      expect(outbox.push(message(1), 0)).toBeDefined(); // a small one still fits
      expect(outbox.bytes).toBe(big.length + message(1).length);
    });

    it('hasRoomFor counts no more of the reserve than the share it is given', () => {
      const reserve = { messages: 3, bytes: 1_000 };
      const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'refuse', reserve });
      expect(outbox.hasRoomFor(2, 10)).toBe(true);
      expect(outbox.hasRoomFor(3, 10)).toBe(false);
      expect(outbox.hasRoomFor(4, 10, { messages: 2, bytes: 1_000 })).toBe(true);
      expect(outbox.hasRoomFor(5, 10, { messages: 2, bytes: 1_000 })).toBe(false);
      // Never more than what is held back, whatever share a caller names.
      expect(outbox.hasRoomFor(6, 10, { messages: 100, bytes: 100_000 })).toBe(false);
    });

    // The third argument was a boolean before it named a share: code written for that (plain JavaScript,
    // or compiled against the older types) must still get the answer it asked for, not "no room" always.
    it('hasRoomFor still takes the older boolean: true for all of the reserve, false for none', () => {
      const reserve = { messages: 3, bytes: 1_000 };
      const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'refuse', reserve });
      const olderCall = outbox.hasRoomFor.bind(outbox) as (
        m: number,
        b: number,
        reserved: boolean,
      ) => boolean;
      expect(olderCall(1, 10, false)).toBe(true);
      expect(olderCall(3, 10, false)).toBe(false);
      expect(olderCall(5, 10, true)).toBe(true);
      expect(olderCall(6, 10, true)).toBe(false);
    });
  });

  describe("overflow: 'drop-oldest'", () => {
    it('drops the oldest to keep the newest, and marks the hole until cleared', () => {
      const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'drop-oldest' });
      outbox.push(message(1), 0);
      outbox.push(message(2), 0);
      expect(outbox.hasHole).toBe(false);
      expect(decoded([outbox.push(message(3), 0)])).toEqual([{ seq: 3, ttlMs: undefined, n: 3 }]);
      outbox.push(message(4), 0);
      expect(outbox.hasHole).toBe(true);
      expect(decoded(outbox.replay(0, 0)).map((entry) => entry.seq)).toEqual([3, 4]);
      outbox.clearHole();
      expect(outbox.hasHole).toBe(false);
      outbox.push(message(5), 0);
      expect(outbox.hasHole).toBe(true);
    });

    it('drops as many as the byte limit needs', () => {
      const outbox = new Outbox({
        maxMessages: 100,
        maxBytes: message(1).length * 3,
        overflow: 'drop-oldest',
      });
      for (let n = 1; n <= 3; n++) outbox.push(message(n), 0);
      const big = encodeMessage(Kind.ClientRoomMessage, { t: 'n', d: 'x'.repeat(message(1).length) });
      outbox.push(big, 0);
      expect(outbox.size).toBe(2);
      expect(outbox.hasHole).toBe(true);
      expect(outbox.bytes).toBe(message(3).length + big.length);
    });
  });

  it('acked: the newest number the peer acked, never above the newest handed out, never going back', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    expect(outbox.acked).toBe(0);
    for (let n = 1; n <= 5; n++) outbox.push(message(n), 0, 10);
    outbox.ack(3);
    outbox.ack(2);
    expect(outbox.acked).toBe(3);
    // Expired messages keep their numbers: the window a sender keeps to counts from the ack, not the size.
    outbox.replay(4, 100);
    expect([outbox.size, outbox.acked, outbox.lastSeq]).toEqual([0, 4, 5]);
    outbox.ack(Number.MAX_SAFE_INTEGER);
    expect(outbox.acked).toBe(5);
  });

  it('clear() forgets everything but keeps sequence numbers rising', () => {
    const outbox = new Outbox({ ...roomy, overflow: 'refuse' });
    outbox.push(message(1), 0);
    outbox.push(message(2), 0, 100);
    outbox.clear();
    expect([outbox.size, outbox.bytes]).toEqual([0, 0]);
    expect(outbox.replay(0, 0)).toEqual([]);
    expect(decoded([outbox.push(message(3), 0)])).toEqual([{ seq: 3, ttlMs: undefined, n: 3 }]);
  });

  it('stays correct across many pushes and acks (queue compaction)', () => {
    const outbox = new Outbox({ maxMessages: 10_000, maxBytes: 10_000_000, overflow: 'refuse' });
    for (let n = 1; n <= 5_000; n++) {
      outbox.push(message(n), 0);
      if (n % 7 === 0) outbox.ack(n - 10);
    }
    expect(numbers(outbox.replay(4_990, 0))).toEqual([
      4_991, 4_992, 4_993, 4_994, 4_995, 4_996, 4_997, 4_998, 4_999, 5_000,
    ]);
  });

  it('behaves like a plain list model under any sequence of pushes, acks, time and replays', () => {
    type Op =
      | { op: 'push'; size: number; ttl: number | undefined }
      | { op: 'ack'; back: number }
      | { op: 'wait'; ms: number }
      | { op: 'replay'; back: number }
      | { op: 'frame'; back: number };
    const ops = fc.array(
      fc.oneof(
        fc.record({
          op: fc.constant('push' as const),
          size: fc.integer({ min: 1, max: 40 }),
          ttl: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        }),
        fc.record({ op: fc.constant('ack' as const), back: fc.integer({ min: -2, max: 6 }) }),
        fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 30 }) }),
        fc.record({ op: fc.constant('replay' as const), back: fc.integer({ min: -2, max: 6 }) }),
        fc.record({ op: fc.constant('frame' as const), back: fc.integer({ min: -1, max: 8 }) }),
      ),
      { maxLength: 60 },
    );
    const limitsArb = fc.record({
      maxMessages: fc.integer({ min: 1, max: 8 }),
      maxBytes: fc.integer({ min: 40, max: 200 }),
      overflow: fc.constantFrom('refuse' as const, 'drop-oldest' as const),
    });
    fc.assert(
      fc.property(limitsArb, ops, (limits: OutboxLimits, plan: Op[]) => {
        const outbox = new Outbox(limits);
        type Entry = { seq: number; inner: Uint8Array; deadline: number | undefined };
        let model: Entry[] = [];
        let lastSeq = 0;
        let hole = false;
        let now = 0;
        const bytes = () => model.reduce((sum, entry) => sum + entry.inner.length, 0);
        const prune = () => {
          model = model.filter((entry) => entry.deadline === undefined || entry.deadline > now);
        };
        const frameOf = (entry: Entry) =>
          entry.deadline === undefined
            ? wrapReliable(entry.seq, entry.inner)
            : wrapExpiring(entry.seq, entry.deadline - now, entry.inner);
        for (const step of plan) {
          if (step.op === 'wait') now += step.ms;
          else if (step.op === 'frame') {
            prune();
            const seq = lastSeq - step.back;
            const entry = model.find((held) => held.seq === seq);
            expect(outbox.frameOf(seq, now)).toEqual(entry === undefined ? undefined : frameOf(entry));
          } else if (step.op === 'ack' || step.op === 'replay') {
            const seq = Math.max(0, lastSeq - step.back);
            model = model.filter((entry) => entry.seq > seq);
            if (step.op === 'ack') outbox.ack(seq);
            else {
              prune();
              expect(outbox.replay(seq, now)).toEqual(model.map(frameOf));
              expect(outbox.replaySeqs(seq, now)).toEqual(model.map((entry) => entry.seq));
            }
          } else {
            prune();
            const inner = new Uint8Array(step.size).fill(step.size);
            const exceeds = () =>
              model.length + 1 > limits.maxMessages || bytes() + step.size > limits.maxBytes;
            const frame = outbox.push(inner, now, step.ttl);
            if (exceeds() && limits.overflow === 'refuse') {
              expect(frame).toBeUndefined();
            } else {
              if (exceeds()) hole = true;
              while (model.length > 0 && exceeds()) model.shift();
              const seq = ++lastSeq;
              const deadline = step.ttl === undefined ? undefined : now + step.ttl;
              model.push({ seq, inner, deadline });
              expect(frame).toEqual(
                step.ttl === undefined ? wrapReliable(seq, inner) : wrapExpiring(seq, step.ttl, inner),
              );
            }
          }
          expect(outbox.size).toBe(model.length);
          expect(outbox.bytes).toBe(bytes());
          expect(outbox.lastSeq).toBe(lastSeq);
          expect(outbox.hasHole).toBe(hole);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('Inbox', () => {
  it('accepts each sequence number once and drops duplicates', () => {
    const inbox = new Inbox();
    expect(inbox.received).toBe(0);
    expect(inbox.accept(1)).toBe(true);
    expect(inbox.accept(1)).toBe(false);
    expect(inbox.accept(2)).toBe(true);
    expect(inbox.accept(0)).toBe(false);
    expect(inbox.received).toBe(2);
  });

  it('tolerates gaps: an expiring message that died is simply never seen', () => {
    const inbox = new Inbox();
    expect(inbox.accept(1)).toBe(true);
    expect(inbox.accept(4)).toBe(true);
    expect(inbox.received).toBe(4);
    // Anything below the highest seen is a replayed duplicate, gap or not.
    expect(inbox.accept(3)).toBe(false);
    expect(inbox.accept(2)).toBe(false);
    expect(inbox.accept(5)).toBe(true);
  });

  it('drops a replay of what it already has after a reconnect', () => {
    const inbox = new Inbox();
    for (let seq = 1; seq <= 5; seq++) inbox.accept(seq);
    // The peer replays from an older ack than ours: 3..7 arrive, only 6 and 7 are new.
    expect([3, 4, 5, 6, 7].map((seq) => inbox.accept(seq))).toEqual([false, false, false, true, true]);
  });

  it('counts what is unacked until markAcked()', () => {
    const inbox = new Inbox();
    inbox.accept(1);
    inbox.accept(1);
    inbox.accept(3);
    expect(inbox.unacked).toBe(2);
    inbox.markAcked();
    expect(inbox.unacked).toBe(0);
    expect(inbox.received).toBe(3);
  });

  it('with a window, refuses (INVALID_MESSAGE) a number further past the newest received, and takes nothing', () => {
    const inbox = new Inbox(MAX_SEQ_AHEAD);
    expect(inbox.accept(1)).toBe(true);
    // The widest legal gap: every number between died unsent.
    expect(inbox.accept(1 + MAX_SEQ_AHEAD)).toBe(true);
    const far = 2 + 2 * MAX_SEQ_AHEAD;
    expect(() => inbox.accept(far)).toThrow(
      expect.objectContaining({ name: 'ProtocolError', code: ErrorCode.INVALID_MESSAGE }),
    );
    expect(() => inbox.accept(Number.MAX_SAFE_INTEGER)).toThrow(ProtocolError);
    // Nothing of either was taken: the stream goes on from where it was, duplicates still dropped.
    expect([inbox.received, inbox.unacked]).toEqual([1 + MAX_SEQ_AHEAD, 2]);
    expect(inbox.accept(MAX_SEQ_AHEAD)).toBe(false);
    expect(inbox.accept(far - 1)).toBe(true);
  });
});
