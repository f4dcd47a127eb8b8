import { Channel, DATAGRAM_QUEUE_LIMIT, RtcLink } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { FakePeerConnection, settle } from '../client/fakes/fake-peer-connection.js';

/**
 * A direct link whose path carries less than the game sends: `phys` and `event` messages past the send
 * queue's 64 KiB are taken and dropped (a stale sample is worth less than the next), and `stats().sendDrops`
 * counts them, so that a game can see it (geckos.io's `onDrop`). `dispatch` is never dropped.
 */
async function directLink() {
  FakePeerConnection.reset();
  const link = new RtcLink({
    RTCPeerConnection: FakePeerConnection.ctor,
    role: 'offerer',
    signaling: { send: () => {}, onSignal: () => () => {} },
  });
  await settle();
  const pc = FakePeerConnection.made[0] as FakePeerConnection;
  pc.connect();
  expect(link.state).toBe('direct');
  // Channels in the order they are made: phys, event, dispatch, then the link's own control channel.
  const [phys, event, dispatch] = pc.channels;
  return { link, phys: phys!, event: event!, dispatch: dispatch! };
}

describe("a direct link's sendDrops", () => {
  it('counts phys and event messages dropped at a full send queue, and only those', async () => {
    const { link, phys, event, dispatch } = await directLink();
    const sent: unknown[] = [];
    phys.send = (data) => sent.push(data);
    expect(link.send(Channel.phys, Uint8Array.of(1))).toBe(true);
    expect(link.stats().sendDrops).toBe(0);
    phys.bufferedAmount = DATAGRAM_QUEUE_LIMIT + 1;
    event.bufferedAmount = DATAGRAM_QUEUE_LIMIT + 1;
    dispatch.bufferedAmount = DATAGRAM_QUEUE_LIMIT + 1;
    expect(link.send(Channel.phys, Uint8Array.of(2))).toBe(true);
    expect(link.send(Channel.event, Uint8Array.of(3))).toBe(true);
    expect(link.send(Channel.dispatch, Uint8Array.of(4))).toBe(true);
    expect(sent).toHaveLength(1);
    expect(link.stats().sendDrops).toBe(2);
    phys.bufferedAmount = 0;
    expect(link.send(Channel.phys, Uint8Array.of(5))).toBe(true);
    expect(sent).toHaveLength(2);
    expect(link.stats().sendDrops).toBe(2);
    link.close();
  });
});
