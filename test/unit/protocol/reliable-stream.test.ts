import { clientToServerKinds, decodeFrame, encodeMessage, Inbox, Kind, Outbox } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

const message = (n: number) => encodeMessage(Kind.ClientRoomMessage, { t: 'n', d: n });
const numbersIn = (frames: Uint8Array[]) =>
  frames.map((frame) => {
    const decoded = decodeFrame(frame, clientToServerKinds);
    return { seq: 'seq' in decoded ? decoded.seq : undefined, n: (decoded.message.body as { d: number }).d };
  });
const limits = { maxMessages: 100, maxBytes: 10_000 };

describe('Outbox', () => {
  it('numbers messages and replays exactly the unacked ones, in order', () => {
    const outbox = new Outbox({ ...limits, overflow: 'refuse' });
    for (let n = 1; n <= 5; n++) outbox.push(message(n), 0);
    outbox.ack(2);
    expect(outbox.size).toBe(3);
    expect(numbersIn(outbox.replay(3, 0))).toEqual([
      { seq: 4, n: 4 },
      { seq: 5, n: 5 },
    ]);
    outbox.ack(5);
    expect(outbox.size).toBe(0);
    expect(outbox.bytes).toBe(0);
  });

  it('never replays an expiring message past its TTL, and replays a young one with what remains', () => {
    const outbox = new Outbox({ ...limits, overflow: 'refuse' });
    outbox.push(message(1), 1_000, 100);
    outbox.push(message(2), 1_000);
    outbox.push(message(3), 1_050, 100);
    const frames = outbox.replay(0, 1_120);
    expect(numbersIn(frames).map((entry) => entry.n)).toEqual([2, 3]);
    expect(decodeFrame(frames[1]!, clientToServerKinds)).toMatchObject({ envelope: 'expiring', ttlMs: 30 });
    expect(numbersIn(outbox.replay(0, 2_000)).map((entry) => entry.n)).toEqual([2]);
  });

  it("'refuse' keeps order by refusing new messages when full", () => {
    const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'refuse' });
    expect(outbox.push(message(1), 0)).toBeDefined();
    expect(outbox.push(message(2), 0)).toBeDefined();
    expect(outbox.push(message(3), 0)).toBeUndefined();
    expect(outbox.hasHole).toBe(false);
  });

  it("'drop-oldest' keeps the newest and remembers the hole until cleared", () => {
    const outbox = new Outbox({ maxMessages: 2, maxBytes: 10_000, overflow: 'drop-oldest' });
    for (let n = 1; n <= 4; n++) outbox.push(message(n), 0);
    expect(outbox.hasHole).toBe(true);
    expect(numbersIn(outbox.replay(0, 0)).map((entry) => entry.n)).toEqual([3, 4]);
    outbox.clearHole();
    expect(outbox.hasHole).toBe(false);
  });

  it('bounds bytes as well as messages', () => {
    const big = new Uint8Array(600);
    const outbox = new Outbox({ maxMessages: 100, maxBytes: 1_000, overflow: 'refuse' });
    expect(outbox.push(big, 0)).toBeDefined();
    expect(outbox.push(big, 0)).toBeUndefined();
  });

  it('stays correct across many pushes and acks (queue compaction)', () => {
    const outbox = new Outbox({ maxMessages: 10_000, maxBytes: 10_000_000, overflow: 'refuse' });
    for (let n = 1; n <= 5_000; n++) {
      outbox.push(message(n), 0);
      if (n % 7 === 0) outbox.ack(n - 10);
    }
    expect(numbersIn(outbox.replay(4_990, 0)).map((entry) => entry.n)).toEqual([
      4_991, 4_992, 4_993, 4_994, 4_995, 4_996, 4_997, 4_998, 4_999, 5_000,
    ]);
  });
});

describe('Inbox', () => {
  it('accepts each sequence number once, tolerates gaps, and counts what is unacked', () => {
    const inbox = new Inbox();
    expect(inbox.accept(1)).toBe(true);
    expect(inbox.accept(1)).toBe(false);
    expect(inbox.accept(3)).toBe(true);
    expect(inbox.accept(2)).toBe(false);
    expect(inbox.received).toBe(3);
    expect(inbox.unacked).toBe(2);
    inbox.markAcked();
    expect(inbox.unacked).toBe(0);
  });
});
