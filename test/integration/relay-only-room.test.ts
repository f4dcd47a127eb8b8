import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel } from 'vehikill-net/client';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const host = 'candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host';
const relay = 'candidate:5 1 udp 41885439 198.51.100.9 49160 typ relay raddr 203.0.113.7 rport 61000';
/** What the peer gets of it: TURN's address only, the sender's own (raddr/rport) blanked. */
const relayHidden = 'candidate:5 1 udp 41885439 198.51.100.9 49160 typ relay raddr 0.0.0.0 rport 0';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom });
});
afterAll(() => t.close());

async function pairIn(options: Record<string, unknown>) {
  const [alice, bob] = [t.client(), t.client()];
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test', { options });
  const bobRoom = await bob.join(aliceRoom.roomId);
  await eventually(() => aliceRoom.members.length === 2, 'both in the room');
  return { alice, bob, aliceRoom, bobRoom };
}

describe('relay-only rooms (peer privacy enforced by the server)', () => {
  it('members are told, and the server passes relay candidates but never host ones', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await pairIn({ relayOnly: true });
    expect(aliceRoom.peerPrivacy).toBe('relay-only');
    expect(bobRoom.peerPrivacy).toBe('relay-only');
    const seen: unknown[] = [];
    bobRoom.on('signal', ({ signal }) => seen.push(signal));
    aliceRoom.signal(bob.playerId!, { n: 1, signal: { candidate: { candidate: host } } });
    aliceRoom.signal(bob.playerId!, { n: 1, signal: { candidate: { candidate: relay } } });
    aliceRoom.signal(bob.playerId!, {
      n: 1,
      o: true,
      signal: { description: { type: 'offer', sdp: `v=0\r\na=${host}\r\na=${relay}\r\n` } },
    });
    await eventually(() => seen.length === 2, 'two signals through');
    await sleep(100);
    expect(JSON.stringify(seen)).not.toContain('192.168.1.20');
    // A client that ignores the mode (not under its browser's 'relay' policy) still hands over no
    // address of its own: the public address TURN saw it from is blanked in trickled and SDP candidates.
    expect(JSON.stringify(seen)).not.toContain('203.0.113.7');
    expect(seen[0]).toEqual({ n: 1, signal: { candidate: { candidate: relayHidden } } });
    expect(JSON.stringify(seen[1])).toContain(relayHidden);
    expect((t.server.metrics as CountingMetrics).total('signals_filtered_total')).toBe(1);
    alice.close();
    bob.close();
  });

  it('without a TURN server, links use the server relay at once, with the same API', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await pairIn({ relayOnly: true });
    const rtc = {
      RTCPeerConnection,
      extraConfiguration: { bindAddress: '127.0.0.1' },
    };
    const signals: unknown[] = [];
    bobRoom.on('signal', ({ signal }) => signals.push(signal));
    const aliceMesh = aliceRoom.mesh({ rtc });
    const bobMesh = bobRoom.mesh({ rtc });
    expect(aliceMesh.directCapable).toBe(false);
    await eventually(() => aliceMesh.link(bob.playerId!)?.state === 'relayed', 'relayed link');
    const got: Channel[] = [];
    bobMesh.on('message', ({ channel }) => got.push(channel));
    for (const channel of [Channel.phys, Channel.event, Channel.dispatch])
      aliceMesh.send(bob.playerId!, channel, Uint8Array.of(1));
    await eventually(() => got.length === 3, 'all three channels over the relay');
    await sleep(300);
    expect(signals).toEqual([]); // no WebRTC attempt was even made
    alice.close();
    bob.close();
  });

  it('an open room says nothing of privacy and relays signals untouched', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await pairIn({});
    expect(aliceRoom.peerPrivacy).toBe('open');
    const seen: unknown[] = [];
    bobRoom.on('signal', ({ signal }) => seen.push(signal));
    aliceRoom.signal(bob.playerId!, { n: 1, signal: { candidate: { candidate: host } } });
    await eventually(() => seen.length === 1, 'signal through');
    expect(seen[0]).toEqual({ n: 1, signal: { candidate: { candidate: host } } });
    alice.close();
    bob.close();
  });
});
