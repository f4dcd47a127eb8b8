/**
 * The page's frame times over a measurement window. The page keeps only its newest 600 frame times
 * (window.vehikill.frameTimes()) but counts every frame (frameCount()), so the window is read in polls
 * and each poll keeps just the frames drawn since the one before.
 */
import { percentile } from '../../results.js';

/** One look at the page: its frame count, its kept frame times (oldest first), its clock (ms). */
export interface FramePoll {
  count: number;
  kept: readonly number[];
  at: number;
}

/**
 * The frame times drawn since the page had counted `since` frames, and how many of those had already
 * left the page's ring (polled too rarely): those are lost, not guessed.
 */
export function framesSince(since: number, poll: FramePoll): { added: number[]; lost: number } {
  const drawn = Math.max(0, poll.count - since);
  const available = Math.min(drawn, poll.kept.length);
  return { added: available === 0 ? [] : poll.kept.slice(-available), lost: drawn - available };
}

export interface FrameStats {
  /** Frames drawn per second of the page's clock. */
  fps: number;
  frames: number;
  /** Frames drawn but not read (the ring overran between polls). */
  lost: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Collects a window's frames from its first poll on. */
export class FrameWindow {
  readonly #first: FramePoll;
  #last: FramePoll;
  readonly #times: number[] = [];
  #lost = 0;

  constructor(first: FramePoll) {
    this.#first = first;
    this.#last = first;
  }

  add(poll: FramePoll): void {
    const { added, lost } = framesSince(this.#last.count, poll);
    this.#times.push(...added);
    this.#lost += lost;
    this.#last = poll;
  }

  stats(): FrameStats {
    const sorted = [...this.#times].sort((a, b) => a - b);
    const seconds = (this.#last.at - this.#first.at) / 1000;
    return {
      fps: seconds > 0 ? (this.#last.count - this.#first.count) / seconds : Number.NaN,
      frames: sorted.length,
      lost: this.#lost,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
    };
  }
}
