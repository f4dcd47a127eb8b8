import type { LinkStats } from './link.js';

/**
 * The LinkStats fields that count from the link's start and never go down; the others are gauges of the
 * link as it is now (its round trip, loss, rates, grade). A link over several paths (FailoverLink) sums
 * these over every path it used, and reads the gauges from the path in use.
 */
export const LINK_COUNTERS = [
  'bytesSent',
  'bytesReceived',
  'messagesSent',
  'messagesReceived',
  'droppedFrames',
  'samplesReplaced',
  'sendDrops',
] as const satisfies readonly (keyof LinkStats)[];

export type LinkCounters = Pick<LinkStats, (typeof LINK_COUNTERS)[number]>;

export function zeroCounters(): LinkCounters {
  return {
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    droppedFrames: 0,
    samplesReplaced: 0,
    sendDrops: 0,
  };
}

/** Adds each counter of `from` to `into`'s. */
export function addCounters(into: LinkCounters, from: LinkCounters): void {
  for (const name of LINK_COUNTERS) into[name] += from[name];
}
