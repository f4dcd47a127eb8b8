import { describe, expect, it } from 'vitest';
import { FrameWindow, framesSince } from '../../../../bench/workloads/phone/frame-window.js';

describe('framesSince', () => {
  it('keeps only the frames drawn since the last count, newest last', () => {
    expect(framesSince(10, { count: 13, kept: [1, 2, 3, 4, 5], at: 0 })).toEqual({
      added: [3, 4, 5],
      lost: 0,
    });
  });

  it('counts the frames that left the ring as lost rather than reading older ones', () => {
    expect(framesSince(0, { count: 8, kept: [5, 6, 7], at: 0 })).toEqual({ added: [5, 6, 7], lost: 5 });
  });

  it('adds nothing when no frame was drawn', () => {
    expect(framesSince(4, { count: 4, kept: [1, 2, 3, 4], at: 0 })).toEqual({ added: [], lost: 0 });
  });
});

describe('FrameWindow', () => {
  it('rates frames by the page clock and takes percentiles of the window only', () => {
    // 100 frames before the window (ignored), then 2 polls of 50 frames over 2 s.
    const window = new FrameWindow({ count: 100, kept: Array(100).fill(1000), at: 5_000 });
    window.add({ count: 150, kept: Array.from({ length: 50 }, (_, i) => i + 1), at: 6_000 });
    window.add({ count: 200, kept: Array.from({ length: 50 }, (_, i) => i + 51), at: 7_000 });
    const stats = window.stats();
    expect(stats.fps).toBe(50);
    expect(stats.frames).toBe(100);
    expect(stats.lost).toBe(0);
    expect(stats.p50).toBe(50);
    expect(stats.p95).toBe(95);
    expect(stats.p99).toBe(99);
    expect(stats.max).toBe(100);
  });

  it('counts lost frames in the rate but not in the percentiles', () => {
    const window = new FrameWindow({ count: 0, kept: [], at: 0 });
    window.add({ count: 700, kept: Array(600).fill(2), at: 10_000 });
    expect(window.stats()).toMatchObject({ fps: 70, frames: 600, lost: 100, p50: 2 });
  });
});
