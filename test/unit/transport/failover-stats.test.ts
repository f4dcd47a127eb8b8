import { ManualClock } from 'vehikill-net/server';
import { FailoverLink, type LinkStats } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { LINK_COUNTERS } from '../../../src/transport/link-counters.js';
import { FakePath, linkStats } from '../../support/fake-path.js';

/** What a user computing rates does: each counter's growth between two reads of `stats()`. */
function growth(before: LinkStats, after: LinkStats): number[] {
  return LINK_COUNTERS.map((name) => after[name] - before[name]);
}

/** The fields this test follows: four counters, then two gauges. */
function seen(stats: LinkStats): number[] {
  const { messagesSent, bytesSent, messagesReceived, droppedFrames, rttMs, kbpsOut } = stats;
  return [messagesSent, bytesSent, messagesReceived, droppedFrames, rttMs, kbpsOut];
}

describe('FailoverLink.stats() across changes of path', () => {
  it('counts over the link’s life, both paths summed, and reads the gauges from the path in use', () => {
    const clock = new ManualClock();
    const relay = new FakePath(clock, 'relayed');
    relay.counted = linkStats({
      messagesSent: 10,
      bytesSent: 1_000,
      samplesReplaced: 7,
      rttMs: 120,
      kbpsOut: 8,
    });
    const link = new FailoverLink(clock, relay);
    const onRelay = link.stats();
    expect(seen(onRelay)).toEqual([10, 1_000, 0, 0, 120, 8]);

    // Direct: its gauges, and every counter still at least what it was (read from the direct path alone,
    // messagesSent went from 10 to 3).
    const first = new FakePath(clock, 'connecting');
    link.useDirect(first);
    first.set('direct');
    first.counted = linkStats({
      messagesSent: 3,
      bytesSent: 300,
      messagesReceived: 4,
      droppedFrames: 2,
      rttMs: 20,
    });
    const onDirect = link.stats();
    expect(seen(onDirect)).toEqual([13, 1_300, 4, 2, 20, 0]);
    expect(onDirect.samplesReplaced).toBe(7);

    // The direct path dies: back on the relay, whose gauges come back; what the dead path counted stays.
    first.set('closed');
    expect(link.state).toBe('relayed');
    relay.counted = { ...relay.counted, messagesSent: 12, bytesSent: 1_200 };
    const backOnRelay = link.stats();
    expect(seen(backOnRelay)).toEqual([15, 1_500, 4, 2, 120, 8]);

    // An attempt that counted some and was replaced by the next one, which comes up.
    const second = new FakePath(clock, 'connecting');
    link.useDirect(second);
    second.counted = linkStats({ messagesReceived: 1 });
    const third = new FakePath(clock, 'connecting');
    link.useDirect(third);
    expect(second.state).toBe('closed');
    third.set('direct');
    third.counted = linkStats({ messagesSent: 5, bytesSent: 500, rttMs: 25 });
    const directAgain = link.stats();
    expect(seen(directAgain)).toEqual([20, 2_000, 5, 2, 25, 0]);

    // Closed, it keeps its totals.
    link.close();
    const closed = link.stats();
    expect(seen(closed).slice(0, 4)).toEqual([20, 2_000, 5, 2]);

    const reads = [onRelay, onDirect, backOnRelay, directAgain, closed];
    for (const [at, read] of reads.slice(1).entries()) {
      for (const grew of growth(reads[at] as LinkStats, read)) expect(grew).toBeGreaterThanOrEqual(0);
    }
  });
});
