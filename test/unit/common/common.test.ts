import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter, every, ManualClock, TokenBucket } from '../../../src/common/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate', () => {
    const bucket = new TokenBucket(3, 10, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(50)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(10_000, 3)).toBe(true);
    expect(bucket.take(10_000)).toBe(false);
  });

  it('refuses a configuration that cannot work', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(TypeError);
    expect(() => new TokenBucket(1, -1, 0)).toThrow(TypeError);
  });
});

describe('Emitter', () => {
  it('every subscription returns its disposer; once fires once', () => {
    const emitter = new Emitter<{ ping: number }>();
    const seen: number[] = [];
    const dispose = emitter.on('ping', (n) => seen.push(n));
    emitter.once('ping', (n) => seen.push(n * 10));
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    dispose();
    emitter.emit('ping', 3);
    expect(seen).toEqual([1, 10, 2]);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('a throwing listener is reported and the others still run', () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => {});
    const emitter = new Emitter<{ ping: number }>();
    const seen: number[] = [];
    emitter.on('ping', () => {
      throw new Error('boom');
    });
    emitter.on('ping', (n) => seen.push(n));
    emitter.emit('ping', 7);
    expect(seen).toEqual([7]);
    expect(report).toHaveBeenCalledOnce();
  });
});

describe('ManualClock and every', () => {
  it('fires due timers in time order as it advances, and cancels', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    const cancel = clock.setTimeout(() => fired.push('never'), 15);
    cancel();
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'b@20']);
    expect(clock.now()).toBe(25);
  });

  it('every() repeats on the period without drifting, until cancelled', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const stop = every(clock, 100, () => at.push(clock.now()));
    clock.advance(350);
    stop();
    clock.advance(500);
    expect(at).toEqual([100, 200, 300]);
    expect(clock.pendingTimers).toBe(0);
  });
});
