import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { ManualClock } from 'vehikill-net/server';
import { Channel, RelayLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

describe('RelayLink when the session refuses (its outbox full)', () => {
  it('returns false for event and dispatch instead of throwing, and sends again once it is taken', () => {
    const clock = new ManualClock();
    let refusing = true;
    const sent: number[] = [];
    const link = new RelayLink('peer', {
      clock,
      send: (_channelNumber, bytes, messageClass) => {
        if (refusing && messageClass !== 'volatile') {
          throw new ProtocolError(ErrorCode.OUTBOX_OVERFLOW, 'too many messages waiting for the server');
        }
        if (messageClass !== 'volatile') sent.push(bytes[0] as number);
      },
    });
    expect(link.send(Channel.event, Uint8Array.of(1))).toBe(false);
    expect(link.send(Channel.dispatch, Uint8Array.of(2))).toBe(false);
    refusing = false;
    expect(link.send(Channel.event, Uint8Array.of(3))).toBe(true);
    expect(sent).toEqual([3]);
    link.close();
  });
});
