import { ManualClock } from 'vehikill-net/server';
import { RelayLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

const RELAY_CONTROL = 3;
const BYE = 3;

describe('RelayLink heedGoodbyes', () => {
  it('closes on the peer goodbye by default', () => {
    const link = new RelayLink('peer', { clock: new ManualClock(), send: () => {} });
    link.receive(RELAY_CONTROL, Uint8Array.of(BYE), 0);
    expect(link.state).toBe('closed');
  });

  it('false: stays open and counts the goodbye as a dropped frame', () => {
    const link = new RelayLink('peer', { clock: new ManualClock(), send: () => {} }, { heedGoodbyes: false });
    link.receive(RELAY_CONTROL, Uint8Array.of(BYE), 0);
    link.receive(RELAY_CONTROL, Uint8Array.of(BYE, 1), 0);
    expect(link.state).toBe('relayed');
    expect(link.stats().droppedFrames).toBe(2);
    link.close();
  });
});
