import { InputBuffer } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

const packet = (firstTick: number, count: number) => ({
  firstTick,
  inputs: Array.from({ length: count }, (_, n) => `in${firstTick + n}`),
});

describe('InputBuffer before its first take', () => {
  it('drops inputs that came for ticks the timeline had passed as stale, and never repeats them', () => {
    const buffer = new InputBuffer<string>();
    // A client whose clock is far behind: its inputs for ticks 0..9 reach a server already at tick 100.
    buffer.receive(packet(0, 10), 100);
    // Its first tick has no input of its own: nothing the client sent for it, not a 90-tick-old input.
    expect(buffer.take(100)).toBeUndefined();
    expect(buffer.rejected).toEqual({ stale: 10, future: 0, rate: 0 });
    expect(buffer.buffered).toBe(0);
    // Copies of them are duplicates now; inputs for other ticks before the first take, never seen, are late.
    buffer.receive(packet(5, 10), 101);
    expect(buffer.duplicates).toBe(5);
    expect(buffer.rejected.stale).toBe(15);
    // A stream that had not begun was not late: the first input on time reports no lateness.
    buffer.receive(packet(101, 1), 101);
    expect(buffer.take(101)).toBe('in101');
    expect(buffer.lateTicks).toBe(0);
    // Late ones still tell how late: the client is told to speed up.
    expect(buffer.margin).toBe(-91);
  });

  it('repeats the newest input of ticks the server skipped, when they came before the timeline reached them', () => {
    const buffer = new InputBuffer<string>();
    buffer.receive(packet(10, 2), 5); // on time: the timeline at 5
    buffer.receive(packet(3, 1), 5); // late: tick 3 was passed
    // The server skips ticks 5..11 (a stall) and runs 12, whose input has not come: tick 11's is repeated.
    expect(buffer.take(12)).toBe('in11');
    expect(buffer.rejected.stale).toBe(1);
    expect(buffer.missed).toBe(1);
  });
});
