import { ManualClock, ServerLink } from 'vehikill-net/server';
import { Channel, Conditioner, RelayLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

type Sent = { channelNumber: number; bytes: number[]; messageClass: string };

function recordingPort() {
  const sent: Sent[] = [];
  return {
    sent,
    send: (channelNumber: number, bytes: Uint8Array, messageClass: string) => {
      sent.push({ channelNumber, bytes: [...bytes], messageClass });
    },
    sendTaggedVolatile: (channelNumber: number, tag: number, body: Uint8Array) => {
      sent.push({ channelNumber, bytes: [tag, ...body], messageClass: 'volatile' });
    },
  };
}

describe('sendTagged (a snapshot after its sync tag, without joining them first)', () => {
  it('reaches the peer as the joined bytes would, counted the same, on every channel', () => {
    const clock = new ManualClock();
    const tagged = recordingPort();
    const joined = recordingPort();
    const viaTag = new RelayLink('p', { clock, ...tagged }, { physIntervalMs: 0 });
    const viaSend = new RelayLink('p', { clock, send: joined.send }, { physIntervalMs: 0 });
    for (const channel of [Channel.phys, Channel.event, Channel.dispatch]) {
      expect(viaTag.sendTagged(channel, 9, Uint8Array.of(1, 2, 3))).toBe(true);
      expect(viaSend.send(channel, Uint8Array.of(9, 1, 2, 3))).toBe(true);
    }
    expect(tagged.sent).toEqual(joined.sent);
    expect(viaTag.stats()).toEqual(viaSend.stats());
    expect(viaTag.quality.snapshot()).toEqual(viaSend.quality.snapshot());
    viaTag.close();
    viaSend.close();
    expect(viaTag.sendTagged(Channel.phys, 9, Uint8Array.of(1))).toBe(false);
  });

  it('keeps the 20 Hz newest-only gate and an active conditioner: those get the joined bytes', () => {
    const clock = new ManualClock();
    const gated = recordingPort();
    const link = new RelayLink('p', { clock, ...gated });
    link.sendTagged(Channel.phys, 1, Uint8Array.of(10));
    link.sendTagged(Channel.phys, 2, Uint8Array.of(20));
    link.sendTagged(Channel.phys, 3, Uint8Array.of(30));
    clock.advance(50);
    expect(gated.sent.map((sent) => sent.bytes)).toEqual([
      [1, 10],
      [3, 30],
    ]);
    link.close();

    const conditioner = new Conditioner(clock, { phys: { delayMs: 20 } });
    const held = recordingPort();
    const slow = new RelayLink('p', { clock, ...held }, { physIntervalMs: 0, conditioner });
    slow.sendTagged(Channel.phys, 4, Uint8Array.of(40));
    expect(held.sent).toEqual([]);
    clock.advance(40);
    expect(held.sent.map((sent) => sent.bytes)).toEqual([[4, 40]]);
    slow.close();
  });

  it('a ServerLink in TCP mode hands phys to its in-place writer, and refuses once closed', () => {
    const clock = new ManualClock();
    const joined: number[] = [];
    const frames: Uint8Array[] = [];
    const link = new ServerLink(
      clock,
      (channelNumber) => joined.push(channelNumber),
      () => 0,
      (channel, tag, body) => frames.push(Uint8Array.of(channel, tag, ...body)),
    );
    expect(link.sendTagged(Channel.phys, 5, Uint8Array.of(6, 7))).toBe(true);
    expect(frames).toEqual([Uint8Array.of(0, 5, 6, 7)]);
    expect(joined).toEqual([]);
    link.close();
    expect(link.sendTagged(Channel.phys, 5, Uint8Array.of(6, 7))).toBe(false);
  });
});
