import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../../../src/common/index.js';
import { Session } from '../../../src/server/sessions/session.js';

// `Session.holdAwayFor`: a room that holds a dropped player's seat longer than the grace period holds the
// session as long (`Room.setReconnectionMs`), and gives it its grace period back when it lets go.

const GRACE_MS = 1_000;

/** A session whose socket dropped at the clock's start, its grace period running. */
function droppedSession() {
  const clock = new ManualClock(0);
  const session = new Session('p1', 'token', { userId: 'u1', name: 'one' }, clock, {
    outboxMessages: 100,
    outboxBytes: 100_000,
    sendQueueBytes: 100_000,
    ackEvery: 32,
    ackDelayMs: 50,
  });
  const socket = { OPEN: 1, readyState: 1, bufferedAmount: 0, send() {}, close() {} };
  session.attach(socket as unknown as WebSocket, '127.0.0.1');
  let expired = 0;
  session.detach(GRACE_MS, () => expired++);
  return { clock, session, socket, expired: () => expired };
}

/** Checks that the session expires `ms` from now on the clock, not a millisecond sooner. */
function expectExpiryIn(dropped: ReturnType<typeof droppedSession>, ms: number): void {
  dropped.clock.advance(ms - 1);
  expect(dropped.expired()).toBe(0);
  dropped.clock.advance(1);
  expect(dropped.expired()).toBe(1);
}

describe('Session.holdAwayFor', () => {
  it('holds an away session past its grace period, counted from the drop', () => {
    const dropped = droppedSession();
    dropped.clock.advance(300);
    dropped.session.holdAwayFor(5_000);
    expectExpiryIn(dropped, 4_700);
  });

  it('never holds it less than its grace period', () => {
    const dropped = droppedSession();
    dropped.session.holdAwayFor(200);
    expectExpiryIn(dropped, GRACE_MS);
  });

  it('undefined gives the grace period back: a session away longer than that ends at once', () => {
    const { clock, session, expired } = droppedSession();
    session.holdAwayFor(5_000);
    clock.advance(1_500);
    expect(expired()).toBe(0);
    session.holdAwayFor(undefined);
    clock.advance(0);
    expect(expired()).toBe(1);
    clock.advance(10_000);
    expect(expired()).toBe(1); // once
  });

  it('changes nothing for a session that is back, or ended', () => {
    const back = droppedSession();
    back.session.attach(back.socket as unknown as WebSocket, '127.0.0.1');
    back.session.holdAwayFor(5_000);
    back.clock.advance(10_000);
    expect(back.expired()).toBe(0);

    const ended = droppedSession();
    ended.session.end();
    ended.session.holdAwayFor(5_000);
    ended.clock.advance(10_000);
    expect(ended.expired()).toBe(0);
  });
});
