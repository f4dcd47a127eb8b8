import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import type { MessageClass } from '../../../src/protocol/index.js';
import { type SendPriority, SendScheduler, type WaitingPriority } from '../../../src/transport/index.js';

/** A scheduler over a socket whose buffer level the test sets; records what was written, in order. */
function setup({
  onWrite,
  ...options
}: {
  maxQueuedBytes?: number;
  maxWaitingBytes?: number;
  onOverflow?: () => void;
  onWrite?: () => void;
  mayWrite?: (queue: WaitingPriority) => boolean;
  volatileWaits?: boolean;
} = {}) {
  const clock = new ManualClock();
  const socket = { buffered: 0 };
  const written: Array<{ name: string; ttlMs: number | undefined }> = [];
  const names = new Map<Uint8Array, string>();
  const scheduler = new SendScheduler({
    clock,
    buffered: () => socket.buffered,
    write: (inner, _messageClass, ttlMs) => {
      written.push({ name: names.get(inner) ?? '?', ttlMs });
      onWrite?.();
    },
    highWaterBytes: 1_000,
    pollMs: 5,
    ...options,
  });
  const send = (
    priority: SendPriority,
    name: string,
    messageClass: MessageClass = 'reliable',
    extra: { ttlMs?: number; key?: string; size?: number } = {},
  ) => {
    const inner = new Uint8Array(extra.size ?? 10);
    names.set(inner, name);
    scheduler.send(priority, inner, messageClass, extra.ttlMs, extra.key);
  };
  const sendBehind = (name: string) => {
    const inner = new Uint8Array(10);
    names.set(inner, name);
    scheduler.sendBehindWaiting(inner, 'reliable');
  };
  const order = () => written.map((w) => w.name);
  return { clock, socket, scheduler, send, sendBehind, written, order };
}

describe('SendScheduler', () => {
  it('writes straight through while the socket keeps up', () => {
    const s = setup();
    s.send('relay', 'r1');
    s.send('input', 'i1');
    s.send('snapshot', 's1');
    expect(s.order()).toEqual(['r1', 'i1', 's1']);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('when the socket backs up, control goes at once and the rest leave by priority as it drains', () => {
    const s = setup();
    s.socket.buffered = 5_000;
    s.send('relay', 'r1');
    s.send('input', 'i1');
    s.send('relay', 'r2');
    s.send('snapshot', 's1');
    s.send('control', 'ack');
    s.send('input', 'i2');
    expect(s.order()).toEqual(['ack']);
    s.clock.advance(20); // still congested: nothing moves
    expect(s.order()).toEqual(['ack']);
    s.socket.buffered = 0;
    s.clock.advance(5);
    expect(s.order()).toEqual(['ack', 's1', 'i1', 'i2', 'r1', 'r2']);
    expect(s.scheduler.idle).toBe(true);
  });

  it('stops as soon as the socket fills again, and goes on when it drains', () => {
    // Every write fills the socket here: one message leaves per drain.
    const s = setup({ onWrite: () => (socket.buffered = 5_000) });
    const socket = s.socket;
    socket.buffered = 5_000;
    for (const name of ['r1', 'r2', 'r3']) s.send('relay', name);
    s.send('snapshot', 's1');
    socket.buffered = 0;
    s.clock.advance(5);
    expect(s.order()).toEqual(['s1']);
    socket.buffered = 0;
    s.clock.advance(5);
    expect(s.order()).toEqual(['s1', 'r1']);
    socket.buffered = 0;
    s.scheduler.pump();
    expect(s.order()).toEqual(['s1', 'r1', 'r2']);
  });

  it('a waiting keyed message is replaced by a newer one with the same key, keeping its place', () => {
    const s = setup();
    s.socket.buffered = 5_000;
    s.send('relay', 'phys-a-1', 'volatile', { key: 'phys:a' });
    s.send('relay', 'phys-b-1', 'volatile', { key: 'phys:b' });
    s.send('relay', 'phys-a-2', 'volatile', { key: 'phys:a' });
    s.send('relay', 'phys-a-3', 'volatile', { key: 'phys:a' });
    s.socket.buffered = 0;
    s.clock.advance(5);
    expect(s.order()).toEqual(['phys-a-3', 'phys-b-1']);
    expect(s.scheduler.superseded).toBe(2);
    // Once sent, the key is free again.
    s.socket.buffered = 5_000;
    s.send('relay', 'phys-a-4', 'volatile', { key: 'phys:a' });
    s.socket.buffered = 0;
    s.clock.advance(5);
    expect(s.order()).toEqual(['phys-a-3', 'phys-b-1', 'phys-a-4']);
  });

  it('expiring messages lose the time they waited, and are dropped once it is all gone', () => {
    const s = setup();
    s.socket.buffered = 5_000;
    s.send('input', 'short', 'expiring', { ttlMs: 50 });
    s.send('input', 'long', 'expiring', { ttlMs: 500 });
    s.send('input', 'reliable');
    s.clock.advance(100);
    s.socket.buffered = 0;
    s.clock.advance(5);
    expect(s.written).toEqual([
      { name: 'long', ttlMs: 395 },
      { name: 'reliable', ttlMs: undefined },
    ]);
    expect(s.scheduler.expired).toBe(1);
  });

  it('past its byte limit it writes everything out in priority order rather than lose any', () => {
    const s = setup({ maxQueuedBytes: 100 });
    s.socket.buffered = 5_000;
    s.send('relay', 'r1', 'reliable', { size: 40 });
    s.send('input', 'i1', 'reliable', { size: 40 });
    expect(s.order()).toEqual([]);
    s.send('snapshot', 's1', 'reliable', { size: 40 });
    expect(s.order()).toEqual(['s1', 'i1', 'r1']);
    expect(s.scheduler.overflows).toBe(1);
    expect(s.scheduler.queuedBytes).toBe(0);
  });

  it('counts what waits: bytes, and sequenced messages that will need outbox room', () => {
    const s = setup();
    s.socket.buffered = 5_000;
    s.send('relay', 'v', 'volatile', { size: 7 });
    s.send('input', 'x', 'reliable', { size: 3 });
    s.send('input', 'y', 'expiring', { size: 5, ttlMs: 100 });
    expect(s.scheduler.queuedBytes).toBe(15);
    expect(s.scheduler.queuedSequenced).toBe(2);
    s.scheduler.flush();
    expect(s.order()).toEqual(['x', 'y', 'v']);
    expect(s.scheduler.queuedBytes).toBe(0);
    expect(s.scheduler.queuedSequenced).toBe(0);
  });

  it('clear() forgets everything waiting and stops polling', () => {
    const s = setup();
    s.socket.buffered = 5_000;
    s.send('relay', 'r1');
    expect(s.clock.pendingTimers).toBe(1);
    s.scheduler.clear();
    expect(s.clock.pendingTimers).toBe(0);
    s.socket.buffered = 0;
    s.clock.advance(50);
    expect(s.order()).toEqual([]);
    expect(s.scheduler.idle).toBe(true);
  });

  it('holds non-control messages back while mayWrite says no (a rate limit), control never', () => {
    let tokens = 2;
    const s = setup({ mayWrite: () => tokens-- > 0 });
    for (const name of ['i1', 'i2', 'i3', 'i4']) s.send('input', name);
    s.send('control', 'ack');
    expect(s.order()).toEqual(['i1', 'i2', 'ack']);
    s.clock.advance(20);
    expect(s.order()).toEqual(['i1', 'i2', 'ack']);
    tokens = 1;
    s.clock.advance(5);
    expect(s.order()).toEqual(['i1', 'i2', 'ack', 'i3']);
    tokens = 10;
    s.clock.advance(5);
    expect(s.order()).toEqual(['i1', 'i2', 'ack', 'i3', 'i4']);
  });

  it('control goes at once however much waits, but counts: past maxWaitingBytes, onOverflow', () => {
    let overflows = 0;
    const s = setup({ maxWaitingBytes: 3_000, onOverflow: () => overflows++ });
    // A peer that never reads: everything control writes stays in the socket.
    s.socket.buffered = 1_000;
    s.send('relay', 'r1', 'reliable', { size: 500 });
    s.send('control', 'c1', 'reliable', { size: 1_000 });
    s.socket.buffered += 1_000;
    expect(s.order()).toEqual(['c1']); // ahead of the relay message still waiting
    expect(s.scheduler.waitingBytes).toBe(2_500);
    expect(overflows).toBe(0);
    s.send('control', 'c2', 'reliable', { size: 1_000 });
    s.socket.buffered += 1_000;
    // Checked after the write: 3,500 bytes waiting, 500 of them queued here.
    s.scheduler.checkWaiting();
    expect(s.order()).toEqual(['c1', 'c2']);
    expect(overflows).toBe(1);
    expect(s.scheduler.overflows).toBe(1);
  });

  it('the check after a control write sees what that write added to the socket', () => {
    let overflows = 0;
    const socket = { buffered: 0 };
    const scheduler = new SendScheduler({
      clock: new ManualClock(),
      buffered: () => socket.buffered,
      write: (inner) => {
        socket.buffered += inner.length; // never read
      },
      maxWaitingBytes: 100,
      onOverflow: () => overflows++,
    });
    for (let i = 0; i < 10; i++) scheduler.send('control', new Uint8Array(10), 'reliable');
    expect(overflows).toBe(0);
    scheduler.send('control', new Uint8Array(10), 'reliable');
    expect(overflows).toBe(1);
  });

  it('over maxWaitingBytes, waiting volatile messages go first; onOverflow only if that is not enough', () => {
    let overflows = 0;
    const s = setup({ maxWaitingBytes: 2_000, onOverflow: () => overflows++ });
    s.socket.buffered = 1_000;
    s.send('relay', 'v1', 'volatile', { size: 400 });
    s.send('snapshot', 'v2', 'volatile', { size: 400 });
    s.send('input', 'x', 'reliable', { size: 100 });
    expect(s.scheduler.queuedBytes).toBe(900);
    // The socket grows by 500 (control written around the queue): 2,400 waiting.
    s.socket.buffered = 1_500;
    s.scheduler.checkWaiting();
    // The least urgent volatile one is dropped; that is enough.
    expect(s.scheduler.dropped).toBe(1);
    expect(s.scheduler.queuedBytes).toBe(500);
    expect(overflows).toBe(0);
    s.socket.buffered = 2_000;
    s.scheduler.checkWaiting();
    expect(s.scheduler.dropped).toBe(2);
    expect(overflows).toBe(1);
    expect(s.scheduler.queuedBytes).toBe(100); // reliable ones are never dropped
  });

  it('queued messages count against maxWaitingBytes together with the socket', () => {
    let overflows = 0;
    const s = setup({ maxWaitingBytes: 1_500, onOverflow: () => overflows++ });
    s.socket.buffered = 1_200;
    s.send('relay', 'r1', 'reliable', { size: 200 });
    expect(overflows).toBe(0);
    s.send('relay', 'r2', 'reliable', { size: 200 });
    expect(overflows).toBe(1);
  });

  it('without maxWaitingBytes, what the socket holds is not bounded (as before)', () => {
    let overflows = 0;
    const s = setup({ onOverflow: () => overflows++ });
    s.socket.buffered = 100 * 1024 * 1024;
    s.send('control', 'c1');
    s.scheduler.checkWaiting();
    expect(overflows).toBe(0);
    expect(s.order()).toEqual(['c1']);
  });

  describe('with volatileWaits: false (a client under its rate limit)', () => {
    it('a volatile message the rate holds back is dropped and counted, never written late', () => {
      let tokens = 2;
      const s = setup({ mayWrite: () => tokens-- > 0, volatileWaits: false });
      for (const name of ['v1', 'v2', 'v3', 'v4']) s.send('input', name, 'volatile');
      expect(s.order()).toEqual(['v1', 'v2']);
      expect(s.scheduler.dropped).toBe(2);
      expect(s.scheduler.idle).toBe(true);
      tokens = 10;
      s.clock.advance(50);
      s.send('input', 'v5', 'volatile');
      expect(s.order()).toEqual(['v1', 'v2', 'v5']);
    });

    it('a volatile message is dropped while the socket is backed up; reliable ones still wait', () => {
      const s = setup({ volatileWaits: false });
      s.socket.buffered = 5_000;
      s.send('input', 'v1', 'volatile');
      s.send('input', 'r1');
      expect(s.scheduler.dropped).toBe(1);
      s.socket.buffered = 0;
      s.clock.advance(5);
      expect(s.order()).toEqual(['r1']);
    });

    it('keyed: at most one waits per key, the newest, and it leaves when there is room', () => {
      let tokens = 0;
      const s = setup({ mayWrite: () => tokens-- > 0, volatileWaits: false });
      s.send('relay', 'p1', 'volatile', { key: 'phys:a' });
      s.send('relay', 'p2', 'volatile', { key: 'phys:a' });
      s.send('relay', 'p3', 'volatile', { key: 'phys:a' });
      expect(s.scheduler.superseded).toBe(2);
      tokens = 10;
      s.clock.advance(5);
      expect(s.order()).toEqual(['p3']);
    });

    it('goes ahead of less urgent messages waiting, but not past reliable ones of its priority', () => {
      let tokens = 0;
      const s = setup({ mayWrite: () => tokens-- > 0, volatileWaits: false });
      s.send('relay', 'relayed');
      tokens = 1;
      s.send('input', 'v1', 'volatile');
      expect(s.order()).toEqual(['v1']);
      s.send('input', 'chat');
      tokens = 1;
      s.send('input', 'v2', 'volatile'); // the chat waits: v2 would overtake it
      expect(s.order()).toEqual(['v1']);
      expect(s.scheduler.dropped).toBe(1);
      tokens = 10;
      s.clock.advance(5);
      expect(s.order()).toEqual(['v1', 'chat', 'relayed']);
    });

    it('asks mayWrite with the queue, so that relayed data can leave tokens for the next input', () => {
      // A bucket of 3 tokens where relayed data must leave 2 behind: inputs get what relay may not take.
      let tokens = 3;
      const asked: WaitingPriority[] = [];
      const mayWrite = (queue: WaitingPriority) => {
        asked.push(queue);
        const keep = queue === 'relay' ? 2 : 0;
        if (tokens - 1 < keep) return false;
        tokens--;
        return true;
      };
      const s = setup({ mayWrite, volatileWaits: false });
      s.send('relay', 'p1', 'volatile', { key: 'phys:a' });
      s.send('relay', 'p2', 'volatile', { key: 'phys:b' }); // would leave 1: waits
      s.send('input', 'i1', 'volatile');
      s.send('input', 'i2', 'volatile');
      expect(s.order()).toEqual(['p1', 'i1', 'i2']);
      expect(s.scheduler.dropped).toBe(0);
      tokens = 3;
      s.clock.advance(5);
      expect(s.order()).toEqual(['p1', 'i1', 'i2', 'p2']);
      expect(new Set(asked)).toEqual(new Set(['relay', 'input']));
    });

    it('an expiring message held back by the rate is dropped once its TTL is gone, never sent late', () => {
      let tokens = 0;
      const s = setup({ mayWrite: () => tokens-- > 0, volatileWaits: false });
      s.send('input', 'young', 'expiring', { ttlMs: 250 });
      s.send('input', 'old', 'expiring', { ttlMs: 100 });
      s.clock.advance(150);
      tokens = 10;
      s.clock.advance(5);
      expect(s.written).toEqual([{ name: 'young', ttlMs: 95 }]);
      expect(s.scheduler.expired).toBe(1);
    });
  });

  describe('sendBehindWaiting', () => {
    it('is written at once when nothing waits, as control', () => {
      const s = setup({ mayWrite: () => false });
      s.sendBehind('leave');
      expect(s.order()).toEqual(['leave']);
    });

    it('leaves after every message waiting when it was sent, whatever their priority, in order', () => {
      let tokens = 0;
      const s = setup({ mayWrite: () => tokens-- > 0 });
      s.send('relay', 'relayed');
      s.send('input', 'chat1');
      s.send('input', 'chat2');
      s.sendBehind('leave');
      s.sendBehind('join');
      s.send('control', 'ack');
      expect(s.order()).toEqual(['ack']);
      expect(s.scheduler.queuedSequenced).toBe(5);
      tokens = 100;
      s.clock.advance(5);
      expect(s.order()).toEqual(['ack', 'chat1', 'chat2', 'relayed', 'leave', 'join']);
    });

    it('does not wait behind messages sent after it: a steady stream of relayed data cannot hold a leave', () => {
      // One token per drain, and relayed data keeps coming faster than that (samples of several peers):
      // the relay queue is never empty. The leave waits only for what was queued before it.
      let tokens = 0;
      const s = setup({ mayWrite: () => tokens-- > 0, volatileWaits: false });
      s.send('relay', 'a0', 'volatile', { key: 'phys:a' });
      s.send('relay', 'b0', 'volatile', { key: 'phys:b' });
      s.sendBehind('leave');
      for (let round = 1; round <= 50; round++) {
        s.send('relay', `a${round}`, 'volatile', { key: 'phys:a' });
        s.send('relay', `b${round}`, 'volatile', { key: 'phys:b' });
        s.send('relay', `ev${round}`, 'expiring', { ttlMs: 10_000 });
        tokens = 1;
        s.clock.advance(5);
      }
      // The two samples queued before it (each replaced by its newest while it waited) leave first.
      expect(s.order().indexOf('leave')).toBe(2);
    });

    it('is not overtaken by a volatile message sent after it (volatileWaits: false): that one is dropped', () => {
      // The leave waits behind a relayed message the rate holds back; an input sent after the leave
      // finds a token, but going now it would reach the server before the leave (in the room left).
      let tokens = 0;
      const s = setup({ mayWrite: () => tokens-- > 0, volatileWaits: false });
      s.send('relay', 'relayed');
      s.sendBehind('leave');
      tokens = 1;
      s.send('input', 'v1', 'volatile');
      s.send('relay', 'p1', 'volatile', { key: 'phys:a' }); // keyed: waits its turn, after the leave
      expect(s.order()).toEqual([]);
      expect(s.scheduler.dropped).toBe(1);
      tokens = 10;
      s.clock.advance(5);
      expect(s.order()).toEqual(['relayed', 'leave', 'p1']);
    });

    it('flush() writes it after what waited before it', () => {
      const s = setup({ mayWrite: () => false });
      s.send('input', 'chat');
      s.sendBehind('leave');
      s.scheduler.flush();
      expect(s.order()).toEqual(['chat', 'leave']);
    });
  });
});
