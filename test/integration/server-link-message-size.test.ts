import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, type ClientOptions } from 'vehikill-net/client';
import { MAX_PEER_DATA_BYTES } from 'vehikill-net/protocol';
import { CountingMetrics, Room, type RoomClient } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/** Records the size of each message a player sends on their server link. */
class SizeRoom extends Room {
  static heard: number[] = [];
  static members: RoomClient[] = [];
  override onJoin(client: RoomClient): void {
    SizeRoom.members.push(client);
  }
  override onLinkMessage(_client: RoomClient, _channel: Channel, bytes: Uint8Array): void {
    SizeRoom.heard.push(bytes.length);
  }
}

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

let t: TestServer;
const metrics = new CountingMetrics();
beforeAll(async () => {
  t = await startServer({ sizes: SizeRoom }, { metrics, serverLink: { bindAddress: '127.0.0.1' } });
});
afterAll(() => t.close());

describe('the size of a message on the server link', () => {
  it('is at most 16 KiB on the direct path too: one byte more is refused at the call, not sent as a fault', async () => {
    SizeRoom.heard = [];
    const client = t.client({ serverLink: nodeRtc });
    await client.connect();
    await client.create('sizes');
    await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
    const faultsBefore = metrics.total('server_link_rejected_total', { reason: 'too-large' });

    for (const channel of [Channel.phys, Channel.event]) {
      expect(
        client.serverLink.send(channel, new Uint8Array(MAX_PEER_DATA_BYTES + 1)),
        `channel ${channel}`,
      ).toBe(false);
    }
    expect(client.serverLink.send(Channel.phys, new Uint8Array(MAX_PEER_DATA_BYTES))).toBe(true);
    await eventually(() => SizeRoom.heard.includes(MAX_PEER_DATA_BYTES), 'the largest message', 10_000);
    await sleep(200);
    expect(metrics.total('server_link_rejected_total', { reason: 'too-large' })).toBe(faultsBefore);
    expect(SizeRoom.heard).toEqual([MAX_PEER_DATA_BYTES]);
    client.close();
  }, 30_000);

  it("is at most 16 KiB from the room too, whichever path the player's link is on", async () => {
    SizeRoom.members = [];
    const heard: Array<[Channel, number]> = [];
    const direct = t.client({ serverLink: nodeRtc });
    const tcp = t.client({ serverLink: 'off' });
    for (const client of [direct, tcp]) {
      client.serverLink.onMessage((channel, bytes) => heard.push([channel, bytes.length]));
      await client.connect();
    }
    const { roomId } = await direct.create('sizes');
    await tcp.join(roomId);
    await eventually(() => direct.serverLink.state === 'direct', 'direct server link', 15_000);
    await eventually(() => SizeRoom.members.length === 2, 'both seated');

    // A snapshot the direct path took would stop going out the moment the link fell back to TCP mode.
    for (const member of SizeRoom.members) {
      for (const channel of [Channel.phys, Channel.event]) {
        expect(
          member.link.send(channel, new Uint8Array(MAX_PEER_DATA_BYTES + 1)),
          `${channel} to ${member.link.state}`,
        ).toBe(false);
      }
      expect(member.link.send(Channel.phys, new Uint8Array(MAX_PEER_DATA_BYTES))).toBe(true);
    }
    await eventually(() => heard.length === 2, 'the largest message on both paths', 10_000);
    await sleep(200);
    expect(heard).toEqual([
      [Channel.phys, MAX_PEER_DATA_BYTES],
      [Channel.phys, MAX_PEER_DATA_BYTES],
    ]);
    direct.close();
    tcp.close();
  }, 30_000);
});

describe("a server link whose server takes less than 16 KiB a message (its 'maxMessageBytes')", () => {
  const LIMIT = 1_024;
  let small: TestServer;
  const smallMetrics = new CountingMetrics();
  beforeAll(async () => {
    small = await startServer(
      { sizes: SizeRoom },
      { metrics: smallMetrics, serverLink: { bindAddress: '127.0.0.1', maxMessageBytes: LIMIT } },
    );
  });
  afterAll(() => small.close());

  it.each([
    ['direct', nodeRtc],
    ['tcp', 'off'],
  ] as const)(
    'is told to the client, whose link refuses a larger message at the call on the %s path',
    async (path, serverLink) => {
      SizeRoom.heard = [];
      const client = small.client({ serverLink });
      await client.connect();
      await client.create('sizes');
      await eventually(() => client.serverLink.path === path, `${path} server link`, 15_000);

      // Sent, each was a fault the server charged the session with, and twenty of them ended it.
      for (const channel of [Channel.phys, Channel.event, Channel.dispatch]) {
        expect(client.serverLink.send(channel, new Uint8Array(LIMIT + 1)), `channel ${channel}`).toBe(false);
      }
      expect(client.serverLink.send(Channel.phys, new Uint8Array(LIMIT))).toBe(true);
      expect(client.serverLink.send(Channel.dispatch, new Uint8Array(LIMIT))).toBe(true);
      await eventually(() => SizeRoom.heard.length === 2, 'the largest messages', 10_000);
      expect(SizeRoom.heard).toEqual([LIMIT, LIMIT]);
      expect(smallMetrics.total('server_link_rejected_total', { reason: 'too-large' })).toBe(0);
      client.close();
    },
    30_000,
  );
});
