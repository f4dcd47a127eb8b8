import { createSocket } from 'node:dgram';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import * as v from 'valibot';
import { Channel, type Client, type ClientOptions } from 'vehikill-net/client';
import { GameServer, Room, type RoomClient } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/** Echoes what a player sends on their server link back on the same channel, prefixed with 0xee. */
class EchoRoom extends Room {
  static members = new Map<string, RoomClient>();
  static heard: string[] = [];
  override onCreate(): void {
    this.onMessage('kick', v.string(), (_client, playerId) => {
      const target = this.clients.find((client) => client.playerId === playerId);
      if (target) this.kick(target);
    });
  }
  static states = new Map<string, string[]>();
  override onJoin(client: RoomClient): void {
    EchoRoom.members.set(client.playerId, client);
    const states: string[] = [];
    EchoRoom.states.set(client.playerId, states);
    client.link.onState((state) => states.push(state));
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    EchoRoom.heard.push(client.playerId);
    const reply = new Uint8Array(bytes.length + 1);
    reply[0] = 0xee;
    reply.set(bytes, 1);
    client.link.send(channel, reply);
  }
}

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ echo: EchoRoom }, { serverLink: { bindAddress: '127.0.0.1' } });
});
afterAll(() => t.close());

async function echoes(client: Client, channel: Channel, count: number): Promise<number[]> {
  const got: number[] = [];
  const dispose = client.serverLink.onMessage((c, bytes) => {
    if (c === channel && bytes[0] === 0xee) got.push(bytes[1]!);
  });
  for (let i = 0; i < count; i++) client.serverLink.send(channel, Uint8Array.of(i));
  await eventually(() => got.length >= count, `${count} echoes on ${channel}`, 10_000);
  dispose();
  return got;
}

describe('server link (the server as a WebRTC peer of each player)', () => {
  it('a Node client gets a direct link; the room receives and sends on all three channels', async () => {
    const client = t.client({ serverLink: nodeRtc });
    await client.connect();
    await client.create('echo');
    await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
    expect(client.serverLink.path).toBe('direct');
    expect(client.stats().serverLink).toMatchObject({ mode: 'prefer', offered: true, path: 'direct' });
    expect(t.server.serverLinks.udpPort).toBeGreaterThan(0);
    expect(await echoes(client, Channel.dispatch, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await echoes(client, Channel.event, 5)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect((await echoes(client, Channel.phys, 5)).length).toBeGreaterThanOrEqual(5);
    client.close();
  }, 30_000);

  it("a room listening from onJoin hears the link's state once the player is seated, a link direct before the join included", async () => {
    const client = t.client({ serverLink: nodeRtc });
    await client.connect();
    await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
    await client.create('echo');
    const member = EchoRoom.members.get(client.playerId!)!;
    // While the room decided it read 'connecting'; seated, it reads 'direct': a change the room is told of.
    // The client's side can see its path open before the server's does (on a loaded machine the server
    // then reads 'relayed' first, and is told 'direct' when it opens), so what counts is where it ends.
    await eventually(
      () => EchoRoom.states.get(client.playerId!)?.at(-1) === 'direct',
      'the room told the link is direct',
      15_000,
    );
    expect(EchoRoom.states.get(client.playerId!)?.filter((state) => state !== 'relayed')).toEqual(['direct']);
    expect(member.link.state).toBe('direct');
    client.close();
  }, 30_000);

  it('without WebRTC on the client it is TCP mode from the start, with the same API', async () => {
    const client = t.client({ serverLink: { mode: 'prefer' } }); // no RTCPeerConnection in Node
    await client.connect();
    await client.create('echo');
    expect(client.serverLink.state).toBe('relayed');
    expect(client.serverLink.path).toBe('tcp');
    expect(await echoes(client, Channel.dispatch, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Inputs on phys all arrive in TCP mode (batched, not superseded).
    expect((await echoes(client, Channel.phys, 30)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
    client.close();
  }, 30_000);

  it("'off' keeps everything on the WebSocket even when both sides could go direct", async () => {
    const client = t.client({ serverLink: { ...nodeRtc, mode: 'off' } });
    await client.connect();
    await client.create('echo');
    await sleep(1_000);
    expect(client.serverLink.state).toBe('relayed');
    expect(await echoes(client, Channel.event, 3)).toHaveLength(3);
    client.close();
  }, 30_000);

  it("'require' refuses datagrams until the link is direct, and says why when it cannot be", async () => {
    const client = t.client({ serverLink: { mode: 'require' } }); // no WebRTC here
    const errors: string[] = [];
    const messages: string[] = [];
    client.on('error', (error) => {
      errors.push(error.code);
      messages.push(error.message);
    });
    await client.connect();
    await client.create('echo');
    expect(errors).toEqual(['SERVER_LINK_UNAVAILABLE']);
    // It says what to pass, not only what is missing: Node has no RTCPeerConnection of its own.
    expect(messages[0]).toContain('RTCPeerConnection');
    expect(client.serverLink.send(Channel.phys, Uint8Array.of(1))).toBe(false);
    expect(await echoes(client, Channel.dispatch, 2)).toEqual([0, 1]); // reliable messages still go
    client.close();
  }, 30_000);

  it('a server with the server link off keeps a WebRTC-capable client in TCP mode, and says so', async () => {
    const off = await startServer({ echo: EchoRoom }, { serverLink: { enabled: false } });
    const client = off.client({ serverLink: nodeRtc });
    await client.connect();
    await client.create('echo');
    expect(off.server.serverLinks.available).toBe(false);
    expect(client.serverLink.offered).toBe(false);
    await sleep(500);
    expect(client.serverLink.path).toBe('tcp');
    expect(client.stats().serverLink).toMatchObject({ mode: 'prefer', offered: false, path: 'tcp' });
    expect(await echoes(client, Channel.dispatch, 3)).toEqual([0, 1, 2]);
    await off.close();
  }, 30_000);

  it("a client that leaves closes its direct link on the server at once; a kicked player's link no longer reaches the room", async () => {
    const [alice, bob] = [t.client({ serverLink: nodeRtc }), t.client({ serverLink: nodeRtc })];
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('echo');
    await bob.join(room.roomId);
    // Each end reports 'direct' on its own (the server's end may hear its channel open a moment later).
    const onServer = (playerId: string | undefined) => EchoRoom.members.get(playerId ?? '');
    await eventually(
      () =>
        alice.serverLink.state === 'direct' &&
        bob.serverLink.state === 'direct' &&
        onServer(bob.playerId)?.link.state === 'direct',
      'both direct, at both ends',
      15_000,
    );
    // The players' links as the room holds them, taken while they are members: once a player is out of the
    // room, what it kept reads closed (see RoomClient.link), while the player's own link lives on.
    const aliceLinkOnServer = EchoRoom.members.get(alice.playerId!)!.link;
    const bobLinkOnServer = EchoRoom.members.get(bob.playerId!)!.link;

    // Bob is kicked: his session and link live on, but what he sends no longer reaches the room.
    room.send('kick', bob.playerId);
    await eventually(() => bob.room === undefined, 'bob out of the room');
    EchoRoom.heard = [];
    bob.serverLink.send(Channel.dispatch, Uint8Array.of(9));
    await sleep(300);
    expect(EchoRoom.heard).toEqual([]);
    expect(bob.serverLink.state).toBe('direct');
    expect(bobLinkOnServer.state).toBe('closed');

    alice.close();
    await eventually(() => aliceLinkOnServer.state === 'closed', "alice's link closed on the server", 3_000);
    // Bob's link is his own: alice's going does not touch it, and it still carries the server's messages.
    const heardByBob: number[] = [];
    bob.serverLink.onMessage((_channel, bytes) => heardByBob.push(bytes[0] as number));
    await bob.create('echo');
    bob.serverLink.send(Channel.dispatch, Uint8Array.of(9));
    await eventually(() => heardByBob[0] === 0xee, "bob's message echoed by his new room");
    expect(bob.serverLink.state).toBe('direct');
    bob.close();
  }, 30_000);

  it('a burst that backs up the direct link is never also sent over TCP (no duplicates)', async () => {
    const client = t.client({ serverLink: nodeRtc });
    await client.connect();
    await client.create('echo');
    await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
    let received = 0;
    client.serverLink.onMessage((channel) => {
      if (channel === Channel.phys) received++;
    });
    const onServer = EchoRoom.members.get(client.playerId!)!;
    const sent = 3_000;
    for (let i = 0; i < sent; i++) onServer.link.send(Channel.phys, new Uint8Array(1_024));
    await sleep(1_500);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(sent);
    expect(client.serverLink.state).toBe('direct');
    client.close();
  }, 30_000);

  // Messages over the server's own limit are dropped and counted: see server-link-dispatch.test.ts.
  it('a dispatch message over the protocol limit is refused at once on the direct link, which lives on', async () => {
    const client = t.client({ serverLink: nodeRtc });
    await client.connect();
    await client.create('echo');
    await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
    // 16 KiB with its header at most, since it must fit the TCP path too (after a change of path).
    expect(client.serverLink.send(Channel.dispatch, new Uint8Array(20_000))).toBe(false);
    expect(await echoes(client, Channel.dispatch, 1)).toEqual([0]); // the link lives on
    expect(client.serverLink.state).toBe('direct');
    client.close();
  }, 30_000);

  it("the UDP port is the server's once listening, with no player linked", async () => {
    const server = new GameServer({ serverLink: { bindAddress: '127.0.0.1' } });
    await server.listen(0);
    const port = server.serverLinks.udpPort;
    expect(await bindError(port)).toBe('EADDRINUSE'); // nobody else can take it between players
    await server.close();
  });

  it('a server closed and started again in this process takes its configured UDP port back', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const port = probe.address().port;
    probe.close();
    const options = { serverLink: { bindAddress: '127.0.0.1', udpPort: port } };
    const first = await startServer({ echo: EchoRoom }, options);
    await first.close();
    const again = await startServer({ echo: EchoRoom }, options);
    try {
      expect(again.server.serverLinks.udpPort).toBe(port);
      // Parked, not merely bound: players get direct links through it.
      const client = again.client({ serverLink: nodeRtc });
      await client.connect();
      await client.create('echo');
      await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
      expect(await echoes(client, Channel.dispatch, 3)).toEqual([0, 1, 2]);
      client.close();
      // While it runs, the port is its own: a second server in this process is refused it.
      const rival = new GameServer(options);
      await expect(rival.listen(0)).rejects.toThrow(
        `UDP port ${port} (serverLink.udpPort) could not be bound`,
      );
      await rival.close();
    } finally {
      await again.close();
    }
  }, 30_000);

  it('listen() on a GameServer closed before is refused, naming what to do; a new one gets players their links', async () => {
    const server = new GameServer({ serverLink: { bindAddress: '127.0.0.1' } });
    server.define('echo', EchoRoom);
    await server.listen(0);
    await server.close({ drainMs: 0 });
    // Opened again, a client's connect() never completed, its rooms and handshakes were ended for good.
    await expect(server.listen(0)).rejects.toThrow('this GameServer was closed: make a new one');
    const again = await startServer({ echo: EchoRoom }, { serverLink: { bindAddress: '127.0.0.1' } });
    try {
      const client = again.client({ serverLink: nodeRtc });
      await client.connect();
      await client.create('echo');
      await eventually(() => client.serverLink.state === 'direct', 'direct server link', 15_000);
      client.close();
    } finally {
      await again.close();
    }
  }, 30_000);

  it('a given UDP port that is taken makes listen() fail, naming it', async () => {
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', resolve));
    const port = squatter.address().port;
    const server = new GameServer({ serverLink: { bindAddress: '127.0.0.1', udpPort: port } });
    try {
      await expect(server.listen(0)).rejects.toThrow(
        `UDP port ${port} (serverLink.udpPort) could not be bound`,
      );
      expect(server.serverLinks.available).toBe(false);
    } finally {
      squatter.close();
      await server.close();
    }
  });
});

/** The error code binding `port` on loopback gives, or undefined when it is free. */
async function bindError(port: number): Promise<string | undefined> {
  const socket = createSocket('udp4');
  const code = await new Promise<string | undefined>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    socket.bind(port, '127.0.0.1', () => resolve(undefined));
  });
  socket.close();
  return code;
}
