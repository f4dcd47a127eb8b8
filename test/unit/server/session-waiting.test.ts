import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../../../src/common/index.js';
import {
  closeCodeFor,
  decodeFrame,
  ErrorCode,
  Kind,
  serverToClientKinds,
} from '../../../src/protocol/index.js';
import { Session } from '../../../src/server/sessions/session.js';

/** A socket whose peer reads nothing: every frame written stays in `bufferedAmount`. */
class UnreadSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  closedWith: number | undefined;
  readonly frames: Uint8Array[] = [];
  send(frame: Uint8Array): void {
    this.frames.push(frame);
    this.bufferedAmount += frame.length;
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2; // CLOSING: the 'close' event (and detach) come later
  }
}

function session(limits: { sendQueueBytes: number; outboxBytes: number }) {
  const clock = new ManualClock();
  const s = new Session('p1', 'token', { userId: 'u1', name: 'one' }, clock, {
    outboxMessages: 10_000,
    ackEvery: 32,
    ackDelayMs: 50,
    ...limits,
  });
  const socket = new UnreadSocket();
  s.attach(socket as unknown as WebSocket, '127.0.0.1');
  let cuts = 0;
  s.onCut = () => cuts++;
  return { s, socket, clock, cuts: () => cuts };
}

const answer = (rid: number) => ({ rid, ok: true as const, result: { pad: 'x'.repeat(1_000) } });

describe('Session: what waits for one socket is bounded, control included', () => {
  it('answers to a peer that never reads: cut with OUTBOX_OVERFLOW past sendQueueBytes + outboxBytes', () => {
    const { s, socket, cuts } = session({ sendQueueBytes: 4_000, outboxBytes: 4_000 });
    let rid = 0;
    while (socket.closedWith === undefined && rid < 100) s.respond(answer(rid++));
    expect(socket.closedWith).toBe(closeCodeFor(ErrorCode.OUTBOX_OVERFLOW));
    expect(cuts()).toBe(1);
    // Cut at the first answer past 8,000 bytes: at most one answer more than the bound.
    expect(socket.bufferedAmount).toBeGreaterThan(8_000);
    expect(socket.bufferedAmount).toBeLessThan(8_000 + 1_100);
    // What comes next goes to the outbox for the resume, not to the socket.
    const written = socket.frames.length;
    s.respond(answer(rid++));
    s.send(Kind.ServerRoomMessage, { roomId: 'room1', t: 'x', d: 1 });
    expect(socket.frames.length).toBe(written);
    expect(s.outbox.lastSeq).toBe(rid + 1);
    expect(cuts()).toBe(1);
  });

  it('counts acks written around the send queue', () => {
    const { s, socket } = session({ sendQueueBytes: 100, outboxBytes: 100 });
    socket.bufferedAmount = 195; // what earlier writes left unread
    for (let seq = 1; seq <= 32; seq++) s.accept(seq); // the 32nd sends an ack
    expect(socket.closedWith).toBe(closeCodeFor(ErrorCode.OUTBOX_OVERFLOW));
  });

  it('once the socket is closing, what waited in the queue is numbered before anything sent later', () => {
    const { s, socket } = session({ sendQueueBytes: 1024 * 1024, outboxBytes: 1024 * 1024 });
    socket.bufferedAmount = 100_000; // past the 64 KiB high-water mark: room messages wait
    s.send(Kind.ServerRoomMessage, { roomId: 'room1', t: 'first', d: 1 });
    s.send(Kind.ServerRoomMessage, { roomId: 'room1', t: 'second', d: 2 });
    expect(s.scheduler.queuedSequenced).toBe(2);
    socket.close(closeCodeFor(ErrorCode.RATE_LIMITED)); // closed for another reason, not yet gone
    s.send(Kind.ServerRoomMessage, { roomId: 'room1', t: 'third', d: 3 });
    expect(s.scheduler.idle).toBe(true);
    const types = s.outbox
      .replay(0, 0)
      .map((frame) => decodeFrame(frame, serverToClientKinds).message)
      .map((message) => (message.kind === Kind.ServerRoomMessage ? message.body.t : '?'));
    expect(types).toEqual(['first', 'second', 'third']);
  });
});
