import { InputBuffer } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

const packet = (firstTick: number, count: number) => ({
  firstTick,
  inputs: Array.from({ length: count }, (_, n) => `in${firstTick + n}`),
});

describe('InputBuffer', () => {
  it('stores each tick once and hands inputs out in tick order', () => {
    const buffer = new InputBuffer<string>();
    expect(buffer.receive(packet(10, 3), 10)).toBe(3);
    expect(buffer.receive(packet(11, 3), 10)).toBe(1); // 11, 12 again; 13 new
    expect(buffer.duplicates).toBe(2);
    expect(buffer.take(10)).toBe('in10');
    expect(buffer.take(11)).toBe('in11');
    expect(buffer.lastConsumedTick).toBe(11);
    expect(buffer.buffered).toBe(2);
  });

  it('repeats the last input when one is missing, counting it as missed', () => {
    const buffer = new InputBuffer<string>();
    expect(buffer.take(0)).toBeUndefined();
    buffer.receive(packet(1, 1), 1);
    expect(buffer.take(1)).toBe('in1');
    expect(buffer.take(2)).toBe('in1');
    expect(buffer.take(3)).toBe('in1');
    expect(buffer.missed).toBe(3);
  });

  it('repeats a missing input for at most maxRepeatTicks ticks in a row, then gives none until inputs come again', () => {
    const buffer = new InputBuffer<string>({ maxRepeatTicks: 3 });
    buffer.receive(packet(0, 1), 0);
    expect(buffer.take(0)).toBe('in0');
    // A short gap (lost packets) is bridged with the last input...
    expect([1, 2, 3].map((tick) => buffer.take(tick))).toEqual(['in0', 'in0', 'in0']);
    // ...a longer one (the client went quiet) is not: the caller's idle input is simulated instead.
    expect([4, 5, 6].map((tick) => buffer.take(tick))).toEqual([undefined, undefined, undefined]);
    expect(buffer.missed).toBe(6);
    buffer.receive(packet(7, 1), 7);
    expect(buffer.take(7)).toBe('in7');
    expect(buffer.take(8)).toBe('in7');
  });

  it('repeats a quarter second (15 ticks) by default', () => {
    const buffer = new InputBuffer<string>();
    buffer.receive(packet(0, 1), 0);
    buffer.take(0);
    for (let tick = 1; tick <= 15; tick++) expect(buffer.take(tick)).toBe('in0');
    expect(buffer.take(16)).toBeUndefined();
  });

  it('counts an input arriving after its tick was consumed as stale, and a repeat of a used one as duplicate', () => {
    const buffer = new InputBuffer<string>();
    buffer.receive(packet(0, 1), 0);
    buffer.take(0);
    buffer.take(1); // tick 1 missed
    buffer.receive(packet(0, 3), 2); // 0: duplicate, 1: stale, 2: new
    expect(buffer.rejected).toEqual({ stale: 1, future: 0, rate: 0 });
    expect(buffer.duplicates).toBe(1);
    buffer.receive(packet(0, 3), 2); // 1 again: now a duplicate
    expect(buffer.rejected.stale).toBe(1);
    expect(buffer.take(2)).toBe('in2');
  });

  it('refuses inputs more than maxLeadTicks ahead', () => {
    const buffer = new InputBuffer<string>({ maxLeadTicks: 5 });
    expect(buffer.receive(packet(100, 8), 98)).toBe(4); // 100..103 fit (98 + 5), 104..107 do not
    expect(buffer.rejected.future).toBe(4);
  });

  it('refuses a client sending more new inputs than ticks elapse (plus the allowance)', () => {
    const buffer = new InputBuffer<string>({ rateAllowance: 4, maxLeadTicks: 1000, burstTicks: 0 });
    buffer.receive(packet(0, 4), 0);
    let next = 4;
    for (let tick = 0; tick < 100; tick++) {
      buffer.take(tick);
      // Two new inputs per server tick: a client running at double speed.
      buffer.receive(packet(next, 2), tick + 1);
      next += 2;
    }
    expect(buffer.rejected.rate).toBeGreaterThanOrEqual(90);
    expect(buffer.rejected.rate).toBeLessThanOrEqual(100);
  });

  it('takes a second of inputs at once after a hold-up, and still refuses a client that keeps running fast', () => {
    const buffer = new InputBuffer<string>({ maxLeadTicks: 1000 });
    for (let tick = 0; tick < 60; tick++) buffer.take(tick); // a second of nothing from the client
    expect(buffer.receive(packet(60, 60), 60)).toBe(60);
    expect(buffer.rejected.rate).toBe(0);
    let next = 120;
    for (let tick = 60; tick < 400; tick++) {
      buffer.take(tick);
      buffer.receive(packet(next, 2), tick + 1); // then double speed
      next += 2;
    }
    expect(buffer.rejected.rate).toBeGreaterThan(200);
  });

  it('never refuses an honest client on rate, even with bursty delivery', () => {
    const buffer = new InputBuffer<string>();
    let sent = 0;
    for (let tick = 0; tick < 1000; tick++) {
      // Every fourth tick a packet with the four newest inputs: same rate, bunched.
      if (tick % 4 === 0) {
        buffer.receive(packet(sent, tick + 4 - sent), tick);
        sent = tick + 4;
      }
      buffer.take(tick);
    }
    expect(buffer.rejected).toEqual({ stale: 0, future: 0, rate: 0 });
    expect(buffer.missed).toBe(0);
  });

  it('reports the margin as the minimum over the window of newest received - consumed tick', () => {
    const buffer = new InputBuffer<string>({ marginWindowTicks: 5 });
    expect(buffer.margin).toBeUndefined();
    buffer.receive(packet(0, 4), 0);
    buffer.take(0);
    expect(buffer.margin).toBe(3);
    buffer.take(1);
    expect(buffer.margin).toBe(2);
    buffer.receive(packet(4, 6), 2); // newest 9
    buffer.take(2);
    expect(buffer.margin).toBe(2); // 7 now, but 2 is still in the window
    for (let tick = 3; tick < 7; tick++) buffer.take(tick);
    expect(buffer.margin).toBe(3); // window holds ticks 2..6: 7, 6, 5, 4, 3
    for (let tick = 7; tick < 12; tick++) buffer.take(tick);
    expect(buffer.margin).toBe(-2); // inputs ran out: negative margin
  });

  it('reports a negative margin for a client whose inputs all arrive late, so it can speed up', () => {
    const buffer = new InputBuffer<string>();
    for (let tick = 0; tick < 12; tick++) {
      buffer.take(tick);
      // Each input arrives two ticks after the server needed it.
      if (tick >= 2) buffer.receive(packet(tick - 2, 1), tick + 1);
    }
    expect(buffer.rejected.stale).toBeGreaterThan(0);
    expect(buffer.margin).toBe(-3); // at each take, the newest input seen is three ticks old
  });

  it.each([
    { to: 'a lead of 2 ticks', lead: 2 },
    { to: 'behind the server, its inputs 3 ticks late', lead: -3 },
  ])('reports the real margin soon after the client moves its tick back ($to)', ({ lead }) => {
    const buffer = new InputBuffer<string>();
    // The client runs 20 ticks ahead, each packet carrying its newest 4 inputs...
    for (let tick = 0; tick < 100; tick++) {
      buffer.receive(packet(tick + 17, 4), tick);
      buffer.take(tick);
    }
    expect(buffer.margin).toBe(20);
    // ...then moves its tick back and sends its inputs from there: for ticks it sent before, or that the
    // server has already consumed.
    for (let tick = 100; tick < 115; tick++) {
      buffer.receive(packet(tick + lead - 3, 4), tick);
      buffer.take(tick);
    }
    // A quarter second on, it is told how early its inputs arrive now, not how early its old ones did.
    expect(buffer.margin).toBe(lead);
  });

  it('reports a client too far ahead (its inputs refused as future) as far ahead, so it slows down', () => {
    const buffer = new InputBuffer<string>({ maxLeadTicks: 10 });
    // In step at first: 3 ticks ahead...
    for (let tick = 0; tick < 20; tick++) {
      buffer.receive(packet(tick, 4), tick);
      buffer.take(tick);
    }
    expect(buffer.margin).toBe(3);
    // ...then its clock jumps 40 ticks on: everything it sends is past maxLeadTicks and refused.
    for (let tick = 20; tick < 100; tick++) {
      buffer.receive(packet(tick + 40, 4), tick);
      buffer.take(tick);
    }
    expect(buffer.rejected.future).toBeGreaterThan(0);
    // Told the truth, 43 ahead; counted from the newest stored input it would be negative, telling it to
    // speed up, further away still.
    expect(buffer.margin).toBe(43);
  });

  it('does not lower the margin for a packet that newer ones overtook on the way', () => {
    const buffer = new InputBuffer<string>();
    /** The packet a client sends once it recorded its input for tick `newest`: that input and 3 before. */
    const sentAt = (newest: number) => packet(newest - 3, 4);
    for (let tick = 0; tick < 100; tick++) {
      if (tick % 2 === 0) {
        // The client runs 4 ticks ahead; its packets come two at a time...
        buffer.receive(sentAt(tick + 3), tick);
        buffer.receive(sentAt(tick + 4), tick);
      } else if (tick > 2) {
        // ...and in between, alone, a copy of an older one that the network held up.
        buffer.receive(sentAt(tick), tick);
      }
      buffer.take(tick);
    }
    // Its inputs were already there: the margin is that of the newest (3 or 4 at each tick).
    expect(buffer.margin).toBe(3);
  });

  it("earns credit for the ticks the server's timeline passed while it stalled, before it runs them", () => {
    const buffer = new InputBuffer<string>({ rateAllowance: 2, maxLeadTicks: 10, burstTicks: 60 });
    buffer.receive(packet(0, 3), 0);
    for (let tick = 0; tick < 20; tick++) {
      buffer.take(tick);
      buffer.receive(packet(tick + 3, 1), tick + 1);
    }
    // The server stalls for 40 ticks; the client's inputs for them arrive together as it wakes up, its
    // timeline at tick 60 with tick 20 next to simulate.
    expect(buffer.receive(packet(23, 40), 60)).toBe(40);
    expect(buffer.rejected).toEqual({ stale: 0, future: 0, rate: 0 });
    for (let tick = 20; tick < 60; tick++) expect(buffer.take(tick)).toBe(`in${tick}`);
    expect(buffer.missed).toBe(0);
  });

  it('gives back the credit of inputs whose ticks the server skipped', () => {
    const buffer = new InputBuffer<string>({ rateAllowance: 0, maxLeadTicks: 10, burstTicks: 10 });
    buffer.receive(packet(0, 1), 0);
    buffer.take(0);
    // A stall far past the credit kept: 11 of these fit, the rest are refused.
    expect(buffer.receive(packet(1, 30), 31)).toBe(11);
    // The server skips ticks 1..20 (never simulated) and runs on from 21, whose input was refused.
    expect(buffer.take(21)).toBe('in11');
    expect(buffer.missed).toBe(1);
    // The skipped inputs' credit is back: a client one tick ahead is not short of credit from now on.
    for (let tick = 22; tick < 40; tick++) {
      buffer.receive(packet(tick, 2), tick);
      expect(buffer.take(tick)).toBe(`in${tick}`);
    }
    expect(buffer.missed).toBe(1);
  });

  it('after skipped ticks repeats the newest of their inputs, whatever order they arrived in', () => {
    const buffer = new InputBuffer<string>();
    buffer.receive(packet(12, 2), 10);
    buffer.receive(packet(10, 2), 10); // reordered on the way: the older packet came second
    // The server skips ticks 10..13 and runs 14, whose input has not come: tick 13's is repeated.
    expect(buffer.take(14)).toBe('in13');
  });

  it('refuses a packet whose ticks are not non-negative integers with a RangeError, storing nothing', () => {
    const buffer = new InputBuffer<string>();
    const bad = [Number.NaN, -1, 9.5, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER];
    for (const firstTick of bad) {
      expect(() => buffer.receive(packet(firstTick, 2), 10)).toThrow(RangeError);
    }
    expect(buffer.buffered).toBe(0);
    // Nothing of them is simulated: tick 10 has no input to repeat.
    expect(buffer.take(10)).toBeUndefined();
    expect(buffer.margin).toBeUndefined();
  });

  it('tells how late the inputs were that came right after a run of missed ticks, and only those', () => {
    const buffer = new InputBuffer<string>();
    // Nothing has come yet: a stream that has not begun is not late.
    for (let tick = 0; tick < 5; tick++) buffer.take(tick);
    buffer.receive(packet(5, 2), 5);
    buffer.take(5);
    expect(buffer.lateTicks).toBe(0);
    buffer.take(6);
    // Ticks 7-16 go without input (a stall), then the inputs from 7 on come at once.
    for (let tick = 7; tick <= 16; tick++) buffer.take(tick);
    expect(buffer.lateTicks).toBe(0);
    buffer.receive(packet(7, 24), 17);
    buffer.take(17);
    expect(buffer.lateTicks).toBe(10);
    for (let tick = 18; tick <= 21; tick++) buffer.take(tick);
    expect(buffer.lateTicks).toBe(10); // came in the same packet
    // Inputs that come on time again, a few ticks after the run, were not late.
    buffer.receive(packet(31, 1), 22);
    for (let tick = 22; tick <= 31; tick++) buffer.take(tick);
    expect(buffer.lateTicks).toBe(0);
    // One tick missed (32) before an input comes: one tick late, no more.
    buffer.take(32);
    buffer.receive(packet(32, 2), 33);
    buffer.take(33);
    expect(buffer.lateTicks).toBe(1);
    // A missed tick reports no lateness of its own.
    buffer.take(34);
    expect(buffer.lateTicks).toBe(0);
  });

  it('refuses a tick taken twice', () => {
    const buffer = new InputBuffer<string>();
    buffer.take(5);
    expect(() => buffer.take(5)).toThrow(RangeError);
  });
});
