import { ManualClock } from 'vehikill-net/server';
import { Channel, FailoverLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { FakePath } from '../../support/fake-path.js';

describe('FailoverLink dispatch when the direct path comes up', () => {
  it('sends at once the dispatch frames the fallback refused (a full session outbox)', () => {
    const clock = new ManualClock();
    const relay = new FakePath(clock, 'relayed');
    const link = new FailoverLink(clock, relay);
    relay.refusing = true;
    // Taken by the link, refused by the path: they wait for a path that takes them.
    expect(link.send(Channel.dispatch, Uint8Array.of(1))).toBe(true);
    expect(link.send(Channel.dispatch, Uint8Array.of(2))).toBe(true);
    const direct = new FakePath(clock, 'connecting');
    link.useDirect(direct);
    direct.set('direct');
    expect(link.state).toBe('direct');
    // Not a second (or, backed off, eight) later, at the retransmission timer: now.
    expect(direct.taken.map((frame) => frame.at(-1))).toEqual([1, 2]);
    link.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
