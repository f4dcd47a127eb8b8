import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel, createSimulatedLinkPair } from '../../../src/transport/index.js';
import { settledCollection } from '../../support/garbage.js';

async function heapAfterCollection(): Promise<number> {
  await settledCollection();
  return process.memoryUsage().heapUsed;
}

// A long session sends events for hours: what the link keeps to drop duplicates must not grow with them.
describe('simulated link in a long session', () => {
  it('keeps no memory per event delivered', async () => {
    const clock = new ManualClock(0);
    const path = { delayMs: 20, jitterMs: 5, duplicateRate: 0.1 };
    const [a, b] = createSimulatedLinkPair({ clock, aToB: path, bToA: path, keepaliveMs: 60_000 });
    clock.advance(100);
    let got = 0;
    b.onMessage(() => got++);
    const bytes = Uint8Array.of(1);
    const send = (count: number) => {
      for (let n = 0; n < count; n++) {
        a.send(Channel.event, bytes);
        if (n % 16 === 15) clock.advance(1);
      }
      clock.advance(100);
    };
    send(20_000);
    const before = await heapAfterCollection();
    send(400_000);
    const grown = (await heapAfterCollection()) - before;
    expect(got).toBe(420_000);
    // 400,000 ids remembered take well over 4 MB; what stays is a few timers' worth.
    expect(grown).toBeLessThan(2_000_000);
    a.close();
    b.close();
  });
});
