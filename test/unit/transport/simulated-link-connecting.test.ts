import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel, createSimulatedLinkPair } from '../../../src/transport/index.js';

// What an RtcLink does before its channels open: `phys` and `event` are refused (false, nothing sent or
// counted: stale by the time the link is up), `dispatch` is taken and arrives once it is.
describe('simulated link while connecting', () => {
  it('refuses phys and event as an RtcLink does, and takes dispatch', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({ clock, aToB: { delayMs: 30 }, bToA: { delayMs: 30 } });
    const got: string[] = [];
    b.onMessage((channel) => got.push(channel));
    expect(a.state).toBe('connecting');
    expect(a.send(Channel.phys, Uint8Array.of(1))).toBe(false);
    expect(a.send(Channel.event, Uint8Array.of(2))).toBe(false);
    expect(a.send(Channel.dispatch, Uint8Array.of(3))).toBe(true);
    expect(a.stats()).toMatchObject({ messagesSent: 1, bytesSent: 1 });
    clock.advance(100);
    expect(a.state).toBe('direct');
    expect(got).toEqual(['dispatch']);
    expect(a.send(Channel.phys, Uint8Array.of(4))).toBe(true);
    expect(a.send(Channel.event, Uint8Array.of(5))).toBe(true);
    clock.advance(100);
    expect(got).toEqual(['dispatch', 'phys', 'event']);
    a.close();
    b.close();
  });
});
