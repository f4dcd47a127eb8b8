import { describe, expect, it } from 'vitest';
import { Client } from '../../../src/client/client.js';
import type { PeerMesh } from '../../../src/client/mesh/peer-mesh.js';
import type { RoomConnection } from '../../../src/client/room-connection.js';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import type { ConditionerSettings } from '../../../src/transport/index.js';
import { Channel } from '../../../src/transport/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';
const PEERS = ['bbbbbbbb02', 'cccccccc03', 'dddddddd04'];
const HOUR = 3_600_000;

/**
 * A mesh in a room of four on the relay (no WebRTC), against a server that takes DataToPeers or
 * (`fanout: false`) an older one that does not.
 */
async function meshOfFour(
  options: { fanout?: boolean; conditioner?: ConditionerSettings; peers?: string[] } = {},
) {
  const peers = options.peers ?? PEERS;
  const clock = new ManualClock();
  const server = new FakeServer();
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello)
      server.welcome(SELF, clock, options.fanout === false ? {} : { dataToPeers: true });
    else if (message.kind === Kind.CreateRoom)
      server.send(Kind.Response, {
        rid: message.body.rid,
        ok: true,
        result: joinedRoom('room1', [SELF, ...peers], { membership: 3 }),
      });
  };
  const client = new Client({
    url: 'ws://fake/ws',
    token: 'token',
    WebSocket: server.WebSocket,
    clock,
    device: false,
    serverLink: 'off',
    deadServerTimeoutMs: 100 * HOUR,
    ...(options.conditioner ? { conditioner: options.conditioner } : {}),
  });
  await client.connect();
  const room: RoomConnection = await client.create('test');
  const mesh: PeerMesh = room.mesh({ rtc: false });
  /** Relayed phys frames the client wrote: each DataToPeers as its list, each phys DataToPeer as [to]. */
  const physSent = () =>
    server.received.flatMap((message) => {
      if (message.kind === Kind.DataToPeers) return [message.body.to];
      if (message.kind === Kind.DataToPeer && message.body.c === 0) return [[message.body.to]];
      return [];
    });
  return { clock, server, client, room, mesh, physSent };
}

const sample = (byte: number) => new Uint8Array(20).fill(byte);

describe('a mesh broadcasting phys to peers on the relay', () => {
  it('sends one DataToPeers for all of them, tagged with the membership; each link counts the sample', async () => {
    const { server, client, room, mesh, physSent } = await meshOfFour();
    // The mesh's own relay links (room.relayLink is the app's, refused while a mesh is open).
    const links = PEERS.map((peer) => room.meshRelayLink(peer));
    const datagramsBefore = links.map((link) => link.quality.datagramsSent);
    expect(mesh.broadcast(Channel.phys, sample(1))).toBe(3);
    expect(physSent()).toEqual([PEERS]);
    expect(server.receivedOf(Kind.DataToPeers)[0]).toMatchObject({ c: 0, p: sample(1), m: 3 });
    links.forEach((link, i) => {
      expect(link.stats().messagesSent).toBe(1);
      expect(link.stats().bytesSent).toBe(20);
      expect(link.quality.datagramsSent).toBe(datagramsBefore[i]! + 1);
    });
    client.close();
  });

  it('keeps the newest broadcast at one per 50 ms, as each link did: those in between are replaced', async () => {
    const { clock, client, room, mesh, physSent } = await meshOfFour();
    const link = room.meshRelayLink(PEERS[0]!);
    const datagramsBefore = link.quality.datagramsSent;
    mesh.broadcast(Channel.phys, sample(1));
    clock.advance(10);
    mesh.broadcast(Channel.phys, sample(2));
    clock.advance(10);
    mesh.broadcast(Channel.phys, sample(3));
    expect(physSent()).toHaveLength(1);
    clock.advance(30);
    expect(physSent()).toHaveLength(2);
    // Offered three times (the link's counters), sent twice (its quality monitor: the gap is loss), and
    // the one in between counted as replaced on every link it was for.
    expect(link.stats().messagesSent).toBe(3);
    expect(link.quality.datagramsSent).toBe(datagramsBefore + 2);
    for (const peer of PEERS) expect(room.meshRelayLink(peer).stats().samplesReplaced).toBe(1);
    client.close();
  });

  it('a broadcast still waiting when the next goes link by link is counted as replaced, for its links', async () => {
    const { clock, client, room, mesh, physSent } = await meshOfFour();
    mesh.broadcast(Channel.phys, sample(1));
    mesh.broadcast(Channel.phys, sample(2));
    // Two peers blocked: the one relayed peer left gets the next on its own link, and the waiting one never.
    mesh.block(PEERS[1]!);
    mesh.block(PEERS[2]!);
    mesh.broadcast(Channel.phys, sample(3));
    clock.advance(100);
    expect(physSent()).toEqual([PEERS, [PEERS[0]]]);
    for (const peer of PEERS) expect(room.meshRelayLink(peer).stats().samplesReplaced).toBe(1);
    client.close();
  });

  it("a sample waiting at a link's own gate when a broadcast takes over is counted as replaced", async () => {
    const { clock, client, room, mesh, physSent } = await meshOfFour();
    mesh.block(PEERS[1]!);
    mesh.block(PEERS[2]!);
    mesh.broadcast(Channel.phys, sample(1));
    mesh.broadcast(Channel.phys, sample(2));
    mesh.unblock(PEERS[1]!);
    mesh.broadcast(Channel.phys, sample(3));
    clock.advance(100);
    expect(physSent()).toEqual([[PEERS[0]], PEERS.slice(0, 2)]);
    expect(room.meshRelayLink(PEERS[0]!).stats().samplesReplaced).toBe(1);
    expect(room.meshRelayLink(PEERS[1]!).stats().samplesReplaced).toBe(0);
    client.close();
  });

  it('to an older server (no dataToPeers in its welcome): one DataToPeer per peer', async () => {
    const { server, client, mesh, physSent } = await meshOfFour({ fanout: false });
    mesh.broadcast(Channel.phys, sample(1));
    expect(server.receivedOf(Kind.DataToPeers)).toEqual([]);
    expect(physSent()).toEqual(PEERS.map((peer) => [peer]));
    client.close();
  });

  it('leaves blocked peers out, and with one relayed peer left uses its own link', async () => {
    const { client, mesh, physSent } = await meshOfFour();
    mesh.block(PEERS[2]!);
    expect(mesh.broadcast(Channel.phys, sample(1))).toBe(2);
    expect(physSent()).toEqual([PEERS.slice(0, 2)]);
    mesh.block(PEERS[1]!);
    expect(mesh.broadcast(Channel.phys, sample(2))).toBe(1);
    expect(physSent()).toEqual([PEERS.slice(0, 2), [PEERS[0]]]);
    client.close();
  });

  it('a peer that leaves while a broadcast waits is not sent it', async () => {
    const { clock, server, client, mesh, physSent } = await meshOfFour();
    mesh.broadcast(Channel.phys, sample(1));
    mesh.broadcast(Channel.phys, sample(2));
    server.send(Kind.MemberLeft, { roomId: 'room1', playerId: PEERS[1]!, reason: 'left' });
    clock.advance(50);
    expect(physSent()).toEqual([PEERS, [PEERS[0], PEERS[2]]]);
    client.close();
  });

  it('refuses a sample over 16 KiB, as each link does: nothing sent, nothing counted', async () => {
    const { client, room, mesh, physSent } = await meshOfFour();
    expect(mesh.broadcast(Channel.phys, new Uint8Array(16 * 1024 + 1))).toBe(0);
    expect(physSent()).toEqual([]);
    expect(room.meshRelayLink(PEERS[0]!).stats().messagesSent).toBe(0);
    client.close();
  });

  it('past 64 relayed peers (the most one message names), one message per 64', async () => {
    const many = Array.from({ length: 70 }, (_, i) => `peer${String(i).padStart(6, '0')}`);
    const { client, mesh, physSent } = await meshOfFour({ peers: many });
    expect(mesh.broadcast(Channel.phys, sample(1))).toBe(70);
    expect(physSent()).toEqual([many.slice(0, 64), many.slice(64)]);
    client.close();
  });

  it('other channels still go link by link', async () => {
    const { server, client, mesh } = await meshOfFour();
    mesh.broadcast(Channel.event, sample(1));
    expect(server.receivedOf(Kind.DataToPeers)).toEqual([]);
    const events = server.receivedOf(Kind.DataToPeer).filter((body) => body.c === 1);
    expect(events.map((body) => body.to)).toEqual(PEERS);
    client.close();
  });

  it('with a network conditioner on, each link keeps its own path (its impairment is per link)', async () => {
    const { clock, server, client, mesh } = await meshOfFour({ conditioner: { phys: { delayMs: 5 } } });
    mesh.broadcast(Channel.phys, sample(1));
    clock.advance(10);
    expect(server.receivedOf(Kind.DataToPeers)).toEqual([]);
    const phys = server.receivedOf(Kind.DataToPeer).filter((body) => body.c === 0);
    expect(phys.map((body) => body.to).sort()).toEqual(PEERS);
    client.close();
  });
});
