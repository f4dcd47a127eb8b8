import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/index.js';
import { Channel, Conditioner } from '../../../../src/transport/index.js';

const tag = (n: number) => Uint8Array.of(n);

describe('Conditioner', () => {
  it('passes traffic straight through when off', () => {
    const conditioner = new Conditioner(new ManualClock(0));
    const got: number[] = [];
    conditioner.pipe().outbound(Channel.phys, tag(1), (bytes) => got.push(bytes[0] ?? -1));
    expect(got).toEqual([1]);
  });

  it('delays and drops phys as asked, the same way for the same seed', () => {
    const play = () => {
      const clock = new ManualClock(0);
      const conditioner = new Conditioner(clock, { seed: 9, phys: { delayMs: 50, lossRate: 0.2 } });
      const pipe = conditioner.pipe();
      const arrivals: Array<[number, number]> = [];
      for (let n = 0; n < 200; n++) {
        pipe.outbound(Channel.phys, tag(n), (bytes) => arrivals.push([bytes[0] ?? -1, clock.now()]));
        clock.advance(10);
      }
      clock.advance(100);
      return arrivals;
    };
    const arrivals = play();
    expect(arrivals.length).toBeGreaterThan(140);
    expect(arrivals.length).toBeLessThan(180);
    for (const [n, at] of arrivals) expect(at).toBe(n * 10 + 50);
    expect(play()).toEqual(arrivals);
  });

  it('keeps dispatch complete and in order under loss and jitter', () => {
    const clock = new ManualClock(0);
    const conditioner = new Conditioner(clock, { dispatch: { delayMs: 30, jitterMs: 25, lossRate: 0.3 } });
    const pipe = conditioner.pipe();
    const got: number[] = [];
    for (let n = 0; n < 100; n++) {
      pipe.inbound(Channel.dispatch, tag(n), (bytes) => got.push(bytes[0] ?? -1));
      clock.advance(5);
    }
    clock.advance(10_000);
    expect(got).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('applies up and down conditions to their own direction', () => {
    const clock = new ManualClock(0);
    const conditioner = new Conditioner(clock, { up: { phys: { lossRate: 1 } } });
    const pipe = conditioner.pipe();
    let up = 0;
    let down = 0;
    pipe.outbound(Channel.phys, tag(1), () => up++);
    pipe.inbound(Channel.phys, tag(1), () => down++);
    expect([up, down]).toEqual([0, 1]);
    conditioner.set(undefined);
    pipe.outbound(Channel.phys, tag(1), () => up++);
    expect(up).toBe(1);
  });

  it('refuses bad settings at once', () => {
    expect(() => new Conditioner(new ManualClock(0), { phys: { lossRate: -1 } })).toThrow(TypeError);
  });
});
