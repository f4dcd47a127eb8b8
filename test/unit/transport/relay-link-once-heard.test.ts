import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { encodeBeat, encodeGoodbye } from '../../../src/transport/keepalive.js';
import { RELAY_CHANNEL_NUMBER, RELAY_CONTROL, RelayLink } from '../../../src/transport/relay-link.js';

const beat = () =>
  encodeBeat({ sentAt: 0, echo: Number.NaN, heldMs: 0, datagramsSent: 1, lossOfYours: Number.NaN });

function relay(): RelayLink {
  return new RelayLink('peer', { clock: new ManualClock(), send: () => {} });
}

describe('RelayLink.onceHeard', () => {
  it('tells of the next beat or message from the peer, once', () => {
    for (const [channel, frame] of [
      [RELAY_CONTROL, beat()],
      [RELAY_CHANNEL_NUMBER.phys, Uint8Array.of(1)],
      [RELAY_CHANNEL_NUMBER.dispatch, Uint8Array.of(1)],
    ] as const) {
      const link = relay();
      let heard = 0;
      link.onceHeard(() => heard++);
      link.receive(channel, frame, 0);
      link.receive(channel, frame, 0);
      expect(heard).toBe(1);
      link.close();
    }
  });

  it("a goodbye is no sign of the peer's next link: not told, and the link closes", () => {
    const link = relay();
    let heard = 0;
    link.onceHeard(() => heard++);
    link.receive(RELAY_CONTROL, encodeGoodbye(3), 0);
    link.receive(RELAY_CHANNEL_NUMBER.phys, Uint8Array.of(1), 0);
    expect(link.state).toBe('closed');
    expect(heard).toBe(0);
  });

  it('is not told once disposed', () => {
    const link = relay();
    let heard = 0;
    link.onceHeard(() => heard++)();
    link.receive(RELAY_CONTROL, beat(), 0);
    expect(heard).toBe(0);
    link.close();
  });
});
