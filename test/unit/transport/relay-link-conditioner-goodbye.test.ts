import { ManualClock } from 'vehikill-net/server';
import { Channel, Conditioner, RELAY_CHANNEL_NUMBER, RELAY_CONTROL, RelayLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/** A relay goodbye naming no stream: `[3]` (BYE). */
const GOODBYE = Uint8Array.of(3);

/**
 * Through the server a relay link's goodbye is reliable and ordered behind its `dispatch` frames (see
 * RelayLink.close). A developer's conditioner delays `dispatch` there: it must not turn that delay into
 * the loss of what was sent before the goodbye.
 */
describe('RelayLink goodbye under a conditioner that delays dispatch', () => {
  it('delivers the dispatch messages that arrived before the peer’s goodbye, then closes', () => {
    const clock = new ManualClock();
    const conditioner = new Conditioner(clock, { dispatch: { delayMs: 150 } });
    const link = new RelayLink('peer', { clock, send: () => {} }, { conditioner });
    const received: number[] = [];
    link.onMessage((channel, bytes) => {
      if (channel === Channel.dispatch) received.push(bytes[0] as number);
    });
    link.receive(RELAY_CHANNEL_NUMBER.dispatch, Uint8Array.of(7), 0);
    link.receive(RELAY_CONTROL, GOODBYE, 0);
    clock.advance(200);
    expect(received).toEqual([7]);
    expect(link.state).toBe('closed');
  });

  it('sends the dispatch messages handed over before close(), and its goodbye after them', () => {
    const clock = new ManualClock();
    const conditioner = new Conditioner(clock, { dispatch: { delayMs: 150 } });
    const sent: Array<[number, number]> = [];
    const link = new RelayLink(
      'peer',
      { clock, send: (channelNumber, bytes) => sent.push([channelNumber, bytes[0] as number]) },
      { conditioner, keepaliveAtOnce: false },
    );
    expect(link.send(Channel.dispatch, Uint8Array.of(7))).toBe(true);
    link.close();
    clock.advance(200);
    expect(sent).toEqual([
      [RELAY_CHANNEL_NUMBER.dispatch, 7],
      [RELAY_CONTROL, 3],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });
});
