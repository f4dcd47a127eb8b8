import { ClockSync, type ClockSyncOptions } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';

/** The remote clock is this far ahead of the local one. */
const OFFSET = 5_000;

/**
 * A fake transport: the n-th probe (from 0) goes up in `paths[n].up` ms and its answer comes down in
 * `paths[n].down` ms (a path not given loses the probe). Runs the client's frame every 10 ms until
 * `untilMs`, recording after each frame the applied offset's error and whether the clock is synced.
 */
function run(paths: { up: number; down: number }[], untilMs: number, options?: ClockSyncOptions) {
  const sync = new ClockSync(options);
  const queue = new EventQueue();
  const frames: { t: number; error: number; synced: boolean; remote: number }[] = [];
  let probe = 0;
  for (let t = 0; t <= untilMs; t += 10) {
    queue.runUntil(t);
    if (sync.probeDue(t)) {
      sync.probeSent(t);
      const path = paths[probe++];
      if (path) {
        const t0 = t;
        const t1 = t0 + path.up + OFFSET;
        queue.at(t0 + path.up + path.down, () => sync.onSample(t0, t1, t1, t0 + path.up + path.down));
      }
    }
    const remote = sync.remoteNow(t);
    frames.push({ t, error: sync.offsetMs - OFFSET, synced: sync.synced, remote });
  }
  return { sync, frames };
}

describe('ClockSync opening burst', () => {
  it('steps to the lowest-RTT reply of the burst, not to the first one', () => {
    // The first reply was held up on its way up (asymmetric: its offset reads 35 ms high); the third
    // came back clean (RTT 20 ms, 12 up and 8 down: its offset is 2 ms high, within its 10 ms bound).
    const paths = [
      { up: 80, down: 10 },
      { up: 45, down: 15 },
      { up: 12, down: 8 },
      { up: 30, down: 20 },
      { up: 40, down: 20 },
    ];
    const { frames } = run(paths, 1_000);
    const firstSynced = frames.find((frame) => frame.synced);
    expect(firstSynced).toBeDefined();
    // Right after the burst the applied offset is within the clean reply's error, not 30 ms off.
    expect(Math.abs(firstSynced!.error)).toBeLessThanOrEqual(10);
    expect(firstSynced!.error).toBeCloseTo(2, 9);
  });

  it('is synced only once the whole burst is in, and from then on remote time only slews', () => {
    // Reply 4 has the lowest RTT: it arrives after the third, which `minSamples` alone would have
    // been enough for; the clock is not synced before it, and steps to it.
    const paths = [
      { up: 30, down: 30 },
      { up: 25, down: 25 },
      { up: 40, down: 10 },
      { up: 10, down: 10 },
      { up: 20, down: 20 },
      // After the burst: an even better reply is slewed to, not stepped to.
      { up: 3, down: 1 },
    ];
    const { frames } = run(paths, 4_000);
    const index = frames.findIndex((frame) => frame.synced);
    const first = frames[index]!;
    expect(first.t).toBeGreaterThanOrEqual(400 + 40); // the fifth reply: probe at 400, RTT 40
    expect(first.error).toBeCloseTo(0, 9); // the fourth reply, 10 ms each way
    for (let next = index + 1; next < frames.length; next++) {
      const before = frames[next - 1]!;
      const after = frames[next]!;
      expect(after.synced).toBe(true);
      expect(after.remote).toBeGreaterThan(before.remote);
      // 10 ms of local time per frame: at most 0.1 ms of offset.
      expect(Math.abs(after.error - before.error)).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });

  it('counts the burst in replies: a lost probe is made up by the next one, sent at the burst rate', () => {
    const paths = [
      { up: 30, down: 30 },
      { up: 25, down: 25 },
      undefined,
      { up: 40, down: 40 },
      { up: 20, down: 20 },
      { up: 10, down: 12 }, // the sixth probe, 100 ms after the fifth: the burst's fifth reply
    ] as { up: number; down: number }[];
    const { frames } = run(paths, 1_000);
    const first = frames.find((frame) => frame.synced)!;
    expect(first.t).toBeGreaterThanOrEqual(500 + 22);
    expect(first.error).toBeCloseTo(-1, 9);
  });

  it('after a rough restart, slews to the burst at openingSlewRate, never stepping, then at the steady rate', () => {
    const sync = new ClockSync({ openingSlewRate: 0.25 });
    // A greeting read 90 ms late: the rough offset is 90 ms behind.
    sync.restart(0, OFFSET - 90);
    const remote: number[] = [];
    const errors: number[] = [];
    for (let t = 0; t <= 2_000; t += 10) {
      if (sync.probeDue(t)) {
        sync.probeSent(t);
        // Every reply comes back 10 ms after its probe, 5 ms each way (taken as sent 10 ms before now).
        sync.onSample(t - 10, t - 5 + OFFSET, t - 5 + OFFSET, t);
      }
      remote.push(sync.remoteNow(t));
      errors.push(sync.offsetMs - OFFSET);
    }
    for (let i = 1; i < remote.length; i++) {
      const step = remote[i]! - remote[i - 1]!;
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThanOrEqual(10 * 1.25 + 1e-9);
    }
    // 90 ms at 1 ms per 4 ms: gone within 370 ms of the first reply.
    expect(Math.abs(errors[40]!)).toBeLessThan(1e-9);
    expect(sync.synced).toBe(true);
  });

  it('keeps the steady rate when a restart keeps the applied offset', () => {
    const sync = new ClockSync({ openingSlewRate: 0.25 });
    sync.restart(0, OFFSET - 90);
    for (let t = 0; t <= 1_000; t += 100) {
      sync.probeSent(t);
      sync.onSample(t, t + 5 + OFFSET, t + 5 + OFFSET, t + 10);
      sync.remoteNow(t + 10);
    }
    expect(sync.offsetMs).toBeCloseTo(OFFSET, 9);
    // A reconnect to the same clock (its greeting 40 ms off): the applied offset runs on; a true change
    // of 20 ms is then slewed to at 1 ms per 100 ms, not at the opening rate.
    sync.restart(1_100, OFFSET - 40);
    sync.probeSent(1_100);
    sync.onSample(1_100, 1_105 + OFFSET + 20, 1_105 + OFFSET + 20, 1_110);
    sync.remoteNow(1_210);
    expect(sync.offsetMs).toBeCloseTo(OFFSET + 1, 9);
  });

  it('refuses an openingSlewRate of 1 or more: remote time would run backwards', () => {
    expect(() => new ClockSync({ openingSlewRate: 1 })).toThrow(RangeError);
  });
});
