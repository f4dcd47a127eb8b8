import { LagHistory } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

/** A world: one target's x position, which moves 1 unit per tick. */
interface World {
  tick: number;
  targetX: number;
}

const filled = (ticks: number, options: ConstructorParameters<typeof LagHistory<World>>[0] = {}) => {
  const history = new LagHistory<World>({
    interpolate: (a, b, t) => ({ tick: a.tick + t, targetX: a.targetX + (b.targetX - a.targetX) * t }),
    ...options,
  });
  for (let tick = 1000; tick < 1000 + ticks; tick++) history.record(tick, { tick, targetX: tick });
  return history;
};

describe('LagHistory', () => {
  it('keeps 1 s of ticks at 60 Hz', () => {
    const history = filled(300);
    expect(history.newestTick).toBe(1299);
    expect(history.oldestTick).toBe(1239);
    expect(history.at(1238)).toBeUndefined();
    expect(history.at(1250)).toEqual({ tick: 1250, targetX: 1250 });
  });

  it('returns the world the shooter saw, between two ticks', () => {
    const history = filled(300);
    const result = history.rewind({ tick: 1290, fraction: 0.25, interpDelayMs: 100 });
    expect(result).toEqual({
      ok: true,
      world: { tick: 1290.25, targetX: 1290.25 },
      before: { tick: 1290, targetX: 1290 },
      after: { tick: 1291, targetX: 1291 },
      fraction: 0.25,
    });
    const exact = history.rewind({ tick: 1299, interpDelayMs: 0 });
    expect(exact.ok && exact.world.targetX).toBe(1299);
  });

  it('uses the nearer tick when no interpolate is given', () => {
    const history = new LagHistory<number>();
    history.record(1, 10);
    history.record(2, 20);
    const near = history.rewind({ tick: 1, fraction: 0.7, interpDelayMs: 50 });
    expect(near.ok && near.world).toBe(20);
  });

  it('refuses claims outside the history, in the future, with too large a delay, or malformed', () => {
    const history = filled(300);
    const reason = (claim: Parameters<typeof history.rewind>[0], rtt?: number) => {
      const result = history.rewind(claim, rtt);
      return result.ok ? 'ok' : result.reason;
    };
    expect(reason({ tick: 1238, interpDelayMs: 100 })).toBe('too-old');
    expect(reason({ tick: 1300, interpDelayMs: 100 })).toBe('future');
    expect(reason({ tick: 1299, fraction: 0.5, interpDelayMs: 100 })).toBe('future');
    expect(reason({ tick: 1290, interpDelayMs: 151 })).toBe('delay-too-large');
    expect(reason({ tick: 1290, interpDelayMs: -1 })).toBe('invalid');
    expect(reason({ tick: 1290, fraction: 1, interpDelayMs: 10 })).toBe('invalid');
    expect(reason({ tick: Number.NaN, interpDelayMs: 10 })).toBe('invalid');
    expect(new LagHistory<World>().rewind({ tick: 0, interpDelayMs: 0 })).toEqual({
      ok: false,
      reason: 'too-old',
    });
  });

  it('refuses as invalid a claim whose fraction is not a number, rather than judging it coerced', () => {
    // A claim parsed from JSON may carry any type: "0.5" and [0.5] compare as 0.5, but add as strings.
    const history = filled(300, { overDelay: 'clamp' });
    for (const fraction of ['0.5', [0.5], ' '] as unknown as number[]) {
      expect(history.rewind({ tick: 1290, fraction, interpDelayMs: 100 })).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(history.rewind({ tick: 1250, fraction, interpDelayMs: 400 })).toEqual({
        ok: false,
        reason: 'invalid',
      });
    }
  });

  it("with overDelay 'clamp' judges a delay over the cap at the cap: no further back, not refused", () => {
    const history = new LagHistory<number>({ tickRate: 100, overDelay: 'clamp' });
    for (let tick = 0; tick <= 150; tick++) history.record(tick, tick);
    // 80 ms stated where 50 are allowed: seen 30 ms (3 ticks) later than stated.
    const over = history.rewind({ tick: 140, fraction: 0.5, interpDelayMs: 80 }, undefined, 50);
    expect(over).toMatchObject({ ok: true, world: 144, fraction: expect.closeTo(0.5, 6), clampedMs: 30 });
    expect(history.rewind({ tick: 140, interpDelayMs: 50 }, undefined, 50)).not.toHaveProperty('clampedMs');
    // Never later than the newest world; never older than the history either way.
    expect(history.rewind({ tick: 149, interpDelayMs: 5_000 }, undefined, 50)).toMatchObject({ world: 150 });
    expect(history.rewind({ tick: 10, interpDelayMs: 60 }, undefined, 50)).toMatchObject({
      reason: 'too-old',
    });
    // The reach is judged as stated (what the stated delay explains), the future too.
    expect(history.rewind({ tick: 100, interpDelayMs: 100 }, 100, 50)).toMatchObject({
      reason: 'rewind-too-far',
    });
    expect(history.rewind({ tick: 151, interpDelayMs: 500 }, undefined, 50)).toMatchObject({
      reason: 'future',
    });
    expect(() => new LagHistory({ overDelay: 'ignore' as 'clamp' })).toThrow(TypeError);
  });

  it("takes a shooter's own delay cap in place of the history's", () => {
    const history = filled(300);
    const claim = { tick: 1290, interpDelayMs: 250 };
    expect(history.rewind(claim)).toEqual({ ok: false, reason: 'delay-too-large' });
    expect(history.rewind(claim, undefined, 330).ok).toBe(true);
    expect(history.rewind(claim, undefined, 200)).toEqual({ ok: false, reason: 'delay-too-large' });
    // Undefined is the history's own cap.
    expect(history.rewind({ tick: 1290, interpDelayMs: 151 }, undefined, undefined)).toEqual({
      ok: false,
      reason: 'delay-too-large',
    });
  });

  it("refuses a shooter's delay cap that is not a number, rather than checking no cap at all", () => {
    const history = filled(300);
    const claim = { tick: 1250, interpDelayMs: 800 };
    expect(() => history.rewind(claim, undefined, Number.NaN)).toThrow(TypeError);
    expect(() => history.rewind(claim, undefined, -1)).toThrow(TypeError);
  });

  it("with the shooter's RTT, refuses a claim further back than RTT + delay can explain", () => {
    const history = filled(300);
    // 60 ms RTT + 100 ms interpolation + 50 ms slack + one tick = 226.7 ms = 13.6 ticks back at most.
    expect(history.rewind({ tick: 1299 - 13, interpDelayMs: 100 }, 60).ok).toBe(true);
    const far = history.rewind({ tick: 1299 - 30, interpDelayMs: 100 }, 60);
    expect(far).toEqual({ ok: false, reason: 'rewind-too-far' });
    // The same claim from a 350 ms player is plausible.
    expect(history.rewind({ tick: 1299 - 30, interpDelayMs: 100 }, 350).ok).toBe(true);
  });

  it("refuses a shooter's RTT that is not a non-negative number, rather than checking no reach at all", () => {
    const history = filled(300);
    // Reaches back 30 ticks (500 ms) with no delay: too far for any RTT below 433 ms.
    const claim = { tick: 1299 - 30, interpDelayMs: 0 };
    expect(history.rewind(claim, 60)).toEqual({ ok: false, reason: 'rewind-too-far' });
    // A link's RTT is NaN until measured: passed on as is, it must not let this claim through.
    for (const rtt of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(() => history.rewind(claim, rtt)).toThrow(
        `shooterRttMs must be a non-negative finite number, got ${rtt}`,
      );
    }
  });

  it("reaches further by how late the shooter's own inputs were, never past the history", () => {
    const history = filled(300);
    // 60 ms RTT + 100 ms + 50 ms + a tick = 13.6 ticks; 30 ticks back needs 16.4 ticks (273 ms) more.
    const claim = { tick: 1299 - 30, interpDelayMs: 100 };
    expect(history.rewind(claim, 60, undefined, 250).ok).toBe(false);
    expect(history.rewind(claim, 60, undefined, 300).ok).toBe(true);
    // Never past the history (1 s): a lateness beyond it buys nothing more.
    expect(history.rewind({ tick: 1299 - 59, interpDelayMs: 0 }, 0, undefined, 5000).ok).toBe(true);
    expect(history.rewind({ tick: 1299 - 61, interpDelayMs: 0 }, 0, undefined, 5000)).toEqual({
      ok: false,
      reason: 'too-old',
    });
    for (const late of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() => history.rewind(claim, 60, undefined, late)).toThrow(
        `lateMs must be a non-negative finite number, got ${late}`,
      );
    }
  });

  it('starts over on a tick gap, and refuses a history longer than 1 s', () => {
    const history = filled(10);
    history.record(5000, { tick: 5000, targetX: 0 });
    expect(history.oldestTick).toBe(5000);
    expect(() => new LagHistory({ maxHistoryMs: 1500 })).toThrow(TypeError);
    const short = filled(100, { maxHistoryMs: 250, tickRate: 20 });
    expect(short.newestTick! - short.oldestTick!).toBe(5);
  });
});
