import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { RELAY_CHANNEL_NUMBER, RelayLink } from '../../../src/transport/relay-link.js';

describe("a relay link's samplesReplaced", () => {
  it('counts the phys samples its 20 Hz gate replaced: sent at 60 a second, 20 leave and the rest are counted', () => {
    const clock = new ManualClock();
    let physWritten = 0;
    const link = new RelayLink(
      'peer',
      {
        clock,
        send: (channel) => {
          if (channel === RELAY_CHANNEL_NUMBER.phys) physWritten++;
        },
      },
      { keepaliveAtOnce: false },
    );
    let offered = 0;
    for (let at = 0; offered < 60; at = Math.floor((offered * 1_000) / 60)) {
      clock.advance(at - Math.floor(((offered - 1) * 1_000) / 60) || 0);
      link.send(Channel.phys, Uint8Array.of(offered++));
    }
    clock.advance(100);
    expect(offered).toBe(60);
    expect(physWritten).toBeGreaterThanOrEqual(20);
    expect(physWritten).toBeLessThanOrEqual(21);
    const stats = link.stats();
    expect(stats.messagesSent).toBe(offered);
    expect(stats.samplesReplaced).toBe(offered - physWritten);
    link.close();
  });

  it('is 0 for samples sent within the rate, and for other channels', () => {
    const clock = new ManualClock();
    const link = new RelayLink('peer', { clock, send: () => {} }, { keepaliveAtOnce: false });
    for (let i = 0; i < 10; i++) {
      link.send(Channel.phys, Uint8Array.of(i));
      link.send(Channel.event, Uint8Array.of(i));
      link.send(Channel.dispatch, Uint8Array.of(i));
      clock.advance(50);
    }
    expect(link.stats().samplesReplaced).toBe(0);
    link.close();
  });
});
