import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel, createSimulatedLinkPair, type NetworkConditions } from '../../../src/transport/index.js';
import { linkContract } from '../../support/link-contract.js';

function simulatedPair(conditions: NetworkConditions = {}, seed = 1) {
  const clock = new ManualClock(0);
  const [a, b] = createSimulatedLinkPair({ clock, seed, aToB: conditions, bToA: conditions });
  return {
    a,
    b,
    clock,
    async wait(ms: number) {
      clock.advance(ms);
    },
    async dispose() {
      a.close();
      b.close();
      clock.advance(60_000);
    },
  };
}

linkContract('simulated, clean path', async () => simulatedPair({ delayMs: 20 }));
linkContract('simulated, 40 ms +-20 ms jitter, 10% loss', async () =>
  simulatedPair({ delayMs: 40, jitterMs: 20, lossRate: 0.1 }),
);

const tag = (n: number) => Uint8Array.of(n & 0xff, n >> 8);
const untag = (data: Uint8Array) => (data[0] ?? 0) | ((data[1] ?? 0) << 8);

describe('simulated link impairments', () => {
  it('is deterministic: the same seed replays the same deliveries', () => {
    const run = (seed: number) => {
      const pair = simulatedPair({ delayMs: 30, jitterMs: 25, lossRate: 0.2, duplicateRate: 0.1 }, seed);
      const got: number[] = [];
      pair.b.onMessage((_channel, data) => got.push(untag(data)));
      for (let n = 0; n < 300; n++) {
        pair.a.send(Channel.phys, tag(n));
        pair.clock.advance(3);
      }
      pair.clock.advance(1_000);
      return got;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('phys shows loss, duplication and reordering; never retransmits a lost sample', () => {
    const pair = simulatedPair({ delayMs: 30, jitterMs: 25, lossRate: 0.2, duplicateRate: 0.1 }, 3);
    const got: number[] = [];
    pair.b.onMessage((_channel, data) => got.push(untag(data)));
    for (let n = 0; n < 2_000; n++) {
      pair.a.send(Channel.phys, tag(n));
      pair.clock.advance(2);
    }
    pair.clock.advance(2_000);
    const distinct = new Set(got).size;
    expect(distinct / 2_000).toBeGreaterThan(0.75);
    expect(distinct / 2_000).toBeLessThan(0.85);
    expect(got.length).toBeGreaterThan(distinct); // duplicates
    expect(got.some((n, i) => i > 0 && n < (got[i - 1] ?? 0))).toBe(true); // reordering
    expect(pair.a.stats().lossRate).toBeGreaterThan(0.1);
  });

  it('event retransmits within its lifetime and drops what would arrive older', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({
      clock,
      seed: 5,
      aToB: { delayMs: 40, lossRate: 0.3 },
      eventLifetimeMs: 250,
    });
    const ages: number[] = [];
    const sentAt = new Map<number, number>();
    b.onMessage((_channel, data) => ages.push(clock.now() - (sentAt.get(untag(data)) ?? 0)));
    for (let n = 0; n < 1_000; n++) {
      sentAt.set(n, clock.now());
      a.send(Channel.event, tag(n));
      clock.advance(5);
    }
    clock.advance(2_000);
    expect(ages.length / 1_000).toBeGreaterThan(0.95); // retransmission recovers most losses
    expect(new Set(ages).size).toBeGreaterThan(1);
    expect(Math.max(...ages)).toBeLessThanOrEqual(250 + 40);
  });

  it('dispatch under bursty loss is complete and in order, paying in delay', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({
      clock,
      seed: 9,
      aToB: { delayMs: 50, jitterMs: 10, burst: { goodToBad: 0.05, badToGood: 0.3, lossInBad: 0.8 } },
    });
    const got: number[] = [];
    b.onMessage((_channel, data) => got.push(untag(data)));
    for (let n = 0; n < 1_000; n++) {
      a.send(Channel.dispatch, tag(n));
      clock.advance(4);
    }
    clock.advance(10_000);
    expect(got).toEqual(Array.from({ length: 1_000 }, (_, n) => n));
  });

  it('detects a vanished peer within 5 s and reports RTT', () => {
    const pair = simulatedPair({ delayMs: 25 });
    pair.clock.advance(3_000);
    expect(pair.a.stats().rttMs).toBe(50);
    pair.a.setConditions({ lossRate: 1 });
    pair.b.setConditions({ lossRate: 1 });
    const cutAt = pair.clock.now();
    let closedAt = Number.NaN;
    pair.a.onState((state) => {
      if (state === 'closed') closedAt = pair.clock.now();
    });
    pair.clock.advance(10_000);
    expect(closedAt - cutAt).toBeLessThanOrEqual(5_000);
    expect(pair.b.state).toBe('closed');
  });
});
