import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { RoomTimers } from '../../../src/server/rooms/room-clock.js';

function timers() {
  const clock = new ManualClock(0);
  const errors: unknown[] = [];
  return { clock, errors, room: new RoomTimers(clock, (error) => errors.push(error)) };
}

describe('RoomTimers (Room.clock)', () => {
  it('runs timeouts and intervals until cancelled', () => {
    const { clock, room } = timers();
    const fired: string[] = [];
    room.setTimeout(() => fired.push(`timeout@${clock.now()}`), 30);
    const stop = room.setInterval(() => fired.push(`tick@${clock.now()}`), 20);
    clock.advance(65);
    stop();
    stop();
    clock.advance(100);
    expect(fired).toEqual(['tick@20', 'timeout@30', 'tick@40', 'tick@60']);
    expect(room.pending).toBe(0);
  });

  it('cancels every timer still scheduled when the room closes, and schedules none after', () => {
    const { clock, room } = timers();
    const fired: string[] = [];
    room.setTimeout(() => fired.push('timeout'), 100);
    room.setInterval(() => fired.push('tick'), 10);
    clock.advance(15);
    room.close();
    room.setTimeout(() => fired.push('late timeout'), 1);
    room.setInterval(() => fired.push('late tick'), 1);
    clock.advance(1_000);
    expect(fired).toEqual(['tick']);
    expect(room.pending).toBe(0);
  });

  it('after a stall of several periods, calls once and then goes on at the next due time of its phase', () => {
    // A clock whose timers can fire late: what a busy event loop does to a real one.
    let now = 0;
    const scheduled: { at: number; run: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimeout(run: () => void, delayMs: number) {
        const timer = { at: now + delayMs, run };
        scheduled.push(timer);
        return () => scheduled.splice(scheduled.indexOf(timer), 1);
      },
    };
    const room = new RoomTimers(clock, () => {});
    const calls: number[] = [];
    room.setInterval(() => calls.push(now), 50);
    const fireNext = (at: number) => {
      const timer = scheduled.shift();
      if (timer === undefined) throw new Error('nothing scheduled');
      now = at;
      timer.run();
    };
    fireNext(57); // due at 50, 7 ms late: the next is due at 100, not 107
    expect(scheduled[0]?.at).toBe(100);
    fireNext(100);
    fireNext(260); // due at 150, 110 ms late: 200 and 250 were missed whole and are skipped
    expect(calls).toEqual([57, 100, 260]);
    expect(scheduled[0]?.at).toBe(300);
  });

  it('reports a callback that throws or rejects and keeps the interval going', async () => {
    const { clock, errors, room } = timers();
    let calls = 0;
    room.setInterval(() => {
      calls++;
      throw new Error('tick failed');
    }, 10);
    room.setTimeout(
      (async () => {
        throw new Error('async timeout failed');
      }) as () => void,
      5,
    );
    clock.advance(30);
    await Promise.resolve();
    expect(calls).toBe(3);
    expect(errors.map((error) => (error as Error).message).sort()).toEqual([
      'async timeout failed',
      'tick failed',
      'tick failed',
      'tick failed',
    ]);
  });

  it('lets an interval cancel itself from its own callback', () => {
    const { clock, room } = timers();
    let calls = 0;
    const stop = room.setInterval(() => {
      calls++;
      if (calls === 2) stop();
    }, 10);
    clock.advance(100);
    expect(calls).toBe(2);
    expect(room.pending).toBe(0);
  });

  it('refuses a period that cannot work', () => {
    const { room } = timers();
    for (const period of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => room.setInterval(() => {}, period)).toThrow(RangeError);
    }
  });

  it('refuses a timeout whose delay is not a number, which a real timer would run at once', () => {
    // `roundSeconds * 1000` with the option missing: Node fires a NaN delay after 1 ms.
    const { clock, room } = timers();
    expect(() => room.setTimeout(() => {}, Number.NaN)).toThrow(RangeError);
    expect(() => room.setTimeout(() => {}, undefined as unknown as number)).toThrow(RangeError);
    expect(room.pending).toBe(0);
    // A delay already past (a deadline minus now) runs at once, as a timer's does.
    const fired: number[] = [];
    room.setTimeout(() => fired.push(1), -5);
    room.setTimeout(() => fired.push(2), Number.POSITIVE_INFINITY);
    clock.advance(0);
    expect(fired).toEqual([1]);
    expect(room.pending).toBe(1);
  });
});

describe('RoomTimers.stalledMs (Room.clock)', () => {
  it("tells the server's loop stalls so far, as of now; none for a room timed without them", () => {
    const clock = new ManualClock(0);
    const asked: number[] = [];
    const stalls = {
      stalledMs: (now: number) => {
        asked.push(now);
        return 1_500;
      },
    };
    const room = new RoomTimers(clock, () => {}, stalls);
    clock.advance(250);
    expect(room.stalledMs()).toBe(1_500);
    expect(asked).toEqual([250]);
    expect(new RoomTimers(clock, () => {}).stalledMs()).toBe(0);
  });
});
