import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import {
  decodeFrame,
  ErrorCode,
  Kind,
  type Message,
  serverToClientKinds,
} from '../../../src/protocol/index.js';
import {
  handleRoomRequest,
  type RoomRequestPort,
  UNSTATED_WAIT_DEADLINE_MS,
} from '../../../src/server/connection/room-requests.js';
import { CountingMetrics } from '../../../src/server/metrics.js';
import type { RoomManager } from '../../../src/server/rooms/room-manager.js';
import { OVERDUE_WRITE_OFF_MS, RequestSlots } from '../../../src/server/sessions/request-slots.js';
import { bareSession } from '../../support/bare-session.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RequestSlots', () => {
  it('holds a place until it is freed or its deadline comes, whichever is first', () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    const late: number[] = [];
    const freeOne = slots.take(1, 'ready', 100, () => late.push(1));
    const freeTwo = slots.take(2, 'ready', 100, () => late.push(2));
    expect(slots.size).toBe(2);
    expect(freeOne()).toBe(true);
    expect(freeOne()).toBe(false); // once
    clock.advance(100);
    expect(late).toEqual([2]);
    expect(slots.has(2)).toBe(false);
    expect(freeTwo()).toBe(false); // its deadline came first
  });

  it('frees no place of a later request under the same id for the earlier one', () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    const freeFirst = slots.take(7, 'ready', 50, () => {});
    clock.advance(50);
    const freeSecond = slots.take(7, 'ready', 50, () => {});
    expect(freeFirst()).toBe(false);
    expect(slots.has(7)).toBe(true);
    expect(freeSecond()).toBe(true);
  });

  it('counts a handler past its deadline as overdue until it settles, or is written off as hung', () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    const hung: number[] = [];
    const freeSettling = slots.take(1, 'ready', 100, () => {});
    slots.take(
      2,
      'buy',
      100,
      () => {},
      () => hung.push(2),
    );
    clock.advance(100);
    expect([slots.size, slots.overdue, slots.overdueOf('ready'), slots.overdueOf('buy')]).toEqual([
      0, 2, 1, 1,
    ]);
    expect(freeSettling()).toBe(false); // too late to answer, but no longer running
    expect([slots.overdue, slots.overdueOf('ready')]).toEqual([1, 0]);
    clock.advance(OVERDUE_WRITE_OFF_MS - 1);
    expect([slots.overdue, hung]).toEqual([1, []]);
    clock.advance(1);
    expect([slots.overdue, slots.overdueOf('buy'), hung]).toEqual([0, 0, [2]]);
  });

  it("keeps counting a taken-over session's handlers, as overdue, with their ids free", () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    let answered = false;
    const free = slots.take(1, 'ready', 100, () => {
      answered = true;
    });
    const hung: number[] = [];
    slots.take(
      2,
      'buy',
      100,
      () => {},
      () => hung.push(2),
    );
    slots.abandon();
    expect([slots.size, slots.overdue, slots.has(1)]).toEqual([0, 2, false]);
    clock.advance(100);
    expect(answered).toBe(false); // to no one
    expect(free()).toBe(false);
    expect(slots.overdue).toBe(1);
    // One that never settles is written off as hung, counted as any other would be.
    clock.advance(OVERDUE_WRITE_OFF_MS);
    expect([slots.overdue, hung]).toEqual([0, [2]]);
  });

  it('runs no deadline once cleared (the session ended)', () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    let ran = false;
    slots.take(1, 'ready', 10, () => {
      ran = true;
    });
    slots.clear();
    clock.advance(10);
    expect(ran).toBe(false);
    expect(slots.size).toBe(0);
  });
});

describe('a room request that states no wait (a client of an earlier version)', () => {
  it(`is answered REQUEST_TIMEOUT after ${UNSTATED_WAIT_DEADLINE_MS} ms of a handler that never settles`, async () => {
    const clock = new ManualClock(0);
    const session = bareSession(clock);
    const rooms = { handleRequest: () => new Promise<Uint8Array>(() => {}) } as unknown as RoomManager;
    const port: RoomRequestPort = {
      rooms,
      metrics: new CountingMetrics(),
      clientErrors: { count: () => {} },
      spend: () => false,
      fault: () => {},
    };
    handleRoomRequest(port, session, { t: 'hang', q: 3 });
    const sent = (): Message[] =>
      session.outbox.replay(0, clock.now()).map((frame) => decodeFrame(frame, serverToClientKinds).message);
    clock.advance(UNSTATED_WAIT_DEADLINE_MS - 1);
    await flush();
    expect(sent()).toEqual([]);
    expect(session.roomRequestsWaiting.has(3)).toBe(true);
    clock.advance(1);
    expect(sent()).toEqual([
      {
        kind: Kind.RoomReply,
        body: {
          q: 3,
          ok: false,
          code: ErrorCode.REQUEST_TIMEOUT,
          message: `the room did not answer 'hang' within ${UNSTATED_WAIT_DEADLINE_MS} ms`,
        },
      },
    ]);
    expect(session.roomRequestsWaiting.size).toBe(0);
  });
});
