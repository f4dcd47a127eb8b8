/**
 * One CPU throttling rate on a page in a match: the rate set, a warm-up, then a window of frame polls and
 * main-thread counters, then a short CPU profile (after the window, so its overhead stays out of it).
 */
import type { CDPSession, Page } from 'playwright-core';
import type { Origin } from './bundle-origin.js';
import { type BusyShare, busyShare } from './busy-share.js';
import { type FramePoll, type FrameStats, FrameWindow } from './frame-window.js';
import type { PageHook } from './page-hook.js';
import { type CallFrame, timeByOrigin } from './profile-time.js';
import { sendCounts } from './send-counts.js';

export interface RateTiming {
  warmupMs: number;
  windowMs: number;
  profileMs: number;
}

export interface RateResult {
  rate: number;
  frames: FrameStats;
  busy: BusyShare;
  /** Share of the window's polls in which the page had its own car (not wrecked, awaiting respawn). */
  ownCarShare: number;
  /** Most players the page drew at once (its car and the others). */
  playersSeen: number;
  /** The profile's self time (µs) per origin, and its length (µs). */
  origins: Map<Origin, number>;
  profileUs: number;
  /** Sends per second over the window: data channel messages and WebSocket frames (see send-counts.ts). */
  sendsPerSecond: { dataChannel: number; webSocket: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Look extends FramePoll {
  own: boolean;
  others: number;
}

const look = (page: Page): Promise<Look> =>
  page.evaluate(() => {
    const hook = (window as unknown as { vehikill: PageHook }).vehikill;
    const state = hook.state();
    return {
      count: hook.frameCount(),
      kept: hook.frameTimes(),
      at: performance.now(),
      own: state?.own !== undefined,
      others: state?.others.length ?? 0,
    };
  });

const metrics = async (cdp: CDPSession) => (await cdp.send('Performance.getMetrics')).metrics;

export async function measureRate(
  page: Page,
  cdp: CDPSession,
  rate: number,
  timing: RateTiming,
  classify: (frame: CallFrame) => Origin | undefined,
): Promise<RateResult> {
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await sleep(timing.warmupMs);
  const first = await look(page);
  const before = await metrics(cdp);
  const sentBefore = await sendCounts(page);
  const startedAt = Date.now();
  const frames = new FrameWindow(first);
  let polls = 0;
  let ownPolls = 0;
  let playersSeen = 0;
  const end = Date.now() + timing.windowMs;
  // Every second: the page keeps 600 frame times, which a 60 fps page fills in 10 s.
  while (Date.now() < end) {
    await sleep(Math.min(1_000, Math.max(0, end - Date.now())));
    const poll = await look(page);
    frames.add(poll);
    polls++;
    if (poll.own) ownPolls++;
    playersSeen = Math.max(playersSeen, (poll.own ? 1 : 0) + poll.others);
  }
  const after = await metrics(cdp);
  const sentAfter = await sendCounts(page);
  const seconds = (Date.now() - startedAt) / 1000;
  await cdp.send('Profiler.start');
  await sleep(timing.profileMs);
  const { profile } = await cdp.send('Profiler.stop');
  return {
    rate,
    frames: frames.stats(),
    busy: busyShare(before, after),
    ownCarShare: polls > 0 ? ownPolls / polls : Number.NaN,
    playersSeen,
    origins: timeByOrigin(profile, classify, 'other'),
    profileUs: profile.endTime - profile.startTime,
    sendsPerSecond: {
      dataChannel: (sentAfter.dataChannel - sentBefore.dataChannel) / seconds,
      webSocket: (sentAfter.webSocket - sentBefore.webSocket) / seconds,
    },
  };
}
