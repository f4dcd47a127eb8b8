import { ManualClock } from 'vehikill-net/server';
import { Channel, RelayLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

describe('Link.stats().lossRate on a link of the real kinds', () => {
  it('is the share of our phys messages the peer reports lost, as lossUp: not NaN for good', () => {
    const clock = new ManualClock();
    const links: RelayLink[] = [];
    let physSent = 0;
    const portTo = (peer: number) => ({
      clock,
      send: (channelNumber: number, bytes: Uint8Array) => {
        // Every fifth phys sample from the first link never reaches the second.
        if (peer === 1 && channelNumber === 0 && ++physSent % 5 === 0) return;
        const copy = bytes.slice();
        clock.setTimeout(() => links[peer]?.receive(channelNumber, copy, clock.now()), 10);
      },
    });
    links.push(new RelayLink('b', portTo(1)), new RelayLink('a', portTo(0)));
    const [a] = links as [RelayLink, RelayLink];
    expect(Number.isNaN(a.stats().lossRate)).toBe(true); // nothing known yet
    for (let t = 0; t < 20 * 20; t++) {
      a.send(Channel.phys, new Uint8Array(20));
      clock.advance(50);
    }
    const stats = a.stats();
    expect(stats.lossUp).toBeGreaterThan(0.15);
    expect(stats.lossUp).toBeLessThan(0.25);
    expect(stats.lossRate).toBe(stats.lossUp);
    for (const link of links) link.close();
  });
});
