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
import { RequestSlots } from '../../../src/server/sessions/request-slots.js';
import { bareSession } from '../../support/bare-session.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RequestSlots', () => {
  it('holds a place until it is freed or its deadline comes, whichever is first', () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    const late: number[] = [];
    const freeOne = slots.take(1, 100, () => late.push(1));
    const freeTwo = slots.take(2, 100, () => late.push(2));
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
    const freeFirst = slots.take(7, 50, () => {});
    clock.advance(50);
    const freeSecond = slots.take(7, 50, () => {});
    expect(freeFirst()).toBe(false);
    expect(slots.has(7)).toBe(true);
    expect(freeSecond()).toBe(true);
  });

  it('runs no deadline once cleared (the session ended)', () => {
    const clock = new ManualClock(0);
    const slots = new RequestSlots(clock);
    let ran = false;
    slots.take(1, 10, () => {
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
