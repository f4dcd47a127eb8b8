import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, type Client, type ClientOptions } from 'vehikill-net/client';
import { Kind, writeVarUint } from 'vehikill-net/protocol';
import { type CountingMetrics, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * `dispatch` on the server link (TCP mode: these Node clients have no WebRTC) across what a session goes
 * through: a fresh session, a full outbox, a resume with resync. Each message is a 16-bit number.
 */
class DispatchRoom extends Room {
  /** What each player's link delivered to the room on `dispatch`, in order. */
  static heard = new Map<string, number[]>();
  static members = new Map<string, RoomClient>();
  override onJoin(client: RoomClient): void {
    DispatchRoom.members.set(client.playerId, client);
    DispatchRoom.heard.set(client.playerId, []);
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    if (channel === Channel.dispatch) DispatchRoom.heard.get(client.playerId)?.push(numberOf(bytes));
  }
}

const numbered = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const numberOf = (bytes: Uint8Array) => ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** What the client's link delivers on `dispatch`, as numbers, in order. */
function received(client: Client): number[] {
  const got: number[] = [];
  client.serverLink.onMessage((channel, bytes) => {
    if (channel === Channel.dispatch) got.push(numberOf(bytes));
  });
  return got;
}

function member(client: Client): RoomClient {
  const found = DispatchRoom.members.get(client.playerId ?? '');
  if (!found) throw new Error('not in the room');
  return found;
}

const heardFrom = (client: Client) => DispatchRoom.heard.get(client.playerId ?? '') ?? [];

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
  proxy = undefined;
  t = undefined;
});

async function serverBehindProxy(options: Parameters<typeof startServer>[1]): Promise<TcpProxy> {
  t = await startServer({ dispatch: DispatchRoom }, options);
  proxy = new TcpProxy(t.port);
  await proxy.listen();
  return proxy;
}

describe('server link dispatch across sessions', () => {
  it('flows both ways again in the fresh session that follows an expired one', async () => {
    const proxy = await serverBehindProxy({ graceMs: 150 });
    const client = t!.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    const got = received(client);
    await client.connect();
    await client.create('dispatch');
    for (let n = 0; n < 5; n++) client.serverLink.send(Channel.dispatch, numbered(n));
    member(client).link.send(Channel.dispatch, numbered(100));
    await eventually(() => heardFrom(client).length === 5 && got.length === 1, 'the first session');
    const oldId = client.playerId;
    // Sent while the session is being replaced: it goes to the next session, and must not upset its
    // numbering either (it is that session's first message; nobody is in a room to hear it).
    client.on('session-expired', () => client.serverLink.send(Channel.dispatch, numbered(999)));

    proxy.block();
    await sleep(600); // past the grace period
    proxy.unblock();
    await eventually(() => client.state === 'open' && client.playerId !== oldId, 'a fresh session', 10_000);
    await client.create('dispatch');
    for (let n = 10; n < 15; n++) client.serverLink.send(Channel.dispatch, numbered(n));
    member(client).link.send(Channel.dispatch, numbered(200));
    await eventually(() => heardFrom(client).length === 5 && got.length === 2, 'the fresh session', 5_000);
    expect(heardFrom(client)).toEqual(range(10, 15));
    expect(got).toEqual([100, 200]);
  }, 30_000);

  it('flows both ways again after close() and connect()', async () => {
    t = await startServer({ dispatch: DispatchRoom });
    const client = t.client();
    const got = received(client);
    await client.connect();
    await client.create('dispatch');
    for (let n = 0; n < 3; n++) client.serverLink.send(Channel.dispatch, numbered(n));
    member(client).link.send(Channel.dispatch, numbered(100));
    await eventually(() => heardFrom(client).length === 3 && got.length === 1, 'the first session');

    client.close();
    await client.connect();
    await client.create('dispatch');
    for (let n = 10; n < 13; n++) client.serverLink.send(Channel.dispatch, numbered(n));
    member(client).link.send(Channel.dispatch, numbered(200));
    await eventually(() => heardFrom(client).length === 3 && got.length === 2, 'the second session', 5_000);
    expect(heardFrom(client)).toEqual(range(10, 13));
    expect(got).toEqual([100, 200]);
  }, 30_000);
});

describe('server link dispatch when a path refuses or drops frames', () => {
  it('a message refused while the session outbox is full goes later, in order, and holds nothing up', async () => {
    const proxy = await serverBehindProxy({ graceMs: 20_000 });
    const client = t!.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, outboxMessages: 50 });
    let resumed = 0;
    client.on('reconnect', () => resumed++);
    await client.connect();
    await client.create('dispatch');
    const send = (n: number) => client.serverLink.send(Channel.dispatch, numbered(n));
    send(0);
    await eventually(() => heardFrom(client).length === 1, 'the first message');

    proxy.block();
    await eventually(() => client.state !== 'open', 'the client sees the drop', 10_000);
    // More than the session outbox holds: the link keeps the rest and says yes to all of them.
    for (let n = 1; n <= 60; n++) expect(send(n)).toBe(true);
    proxy.unblock();
    await eventually(() => resumed === 1, 'the resume', 10_000);
    send(1000);
    await eventually(() => heardFrom(client).includes(1000), 'the message sent after the resume', 10_000);
    expect(heardFrom(client)).toEqual([...range(0, 61), 1000]);
  }, 40_000);

  it('messages the server dropped from an overflowing outbox (a resume with resync) go again', async () => {
    const proxy = await serverBehindProxy({ graceMs: 20_000, outboxMessages: 20 });
    const client = t!.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    const got = received(client);
    const reconnects: Array<{ resync: boolean }> = [];
    client.on('reconnect', (event) => reconnects.push(event));
    await client.connect();
    await client.create('dispatch');
    const link = member(client).link;
    link.send(Channel.dispatch, numbered(1));
    await eventually(() => got.length === 1, 'the first message');

    proxy.block();
    await eventually(() => member(client).away, 'the server sees the player away', 10_000);
    for (let n = 100; n < 130; n++) link.send(Channel.dispatch, numbered(n)); // overflows the outbox of 20
    proxy.unblock();
    await eventually(() => reconnects.length === 1, 'the resume', 10_000);
    expect(reconnects[0]?.resync).toBe(true);
    link.send(Channel.dispatch, numbered(200));
    await eventually(() => got.includes(200), 'the message sent after the resume', 10_000);
    expect(got).toEqual([1, ...range(100, 130), 200]);
  }, 40_000);
});

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

/** A dispatch data frame as a client's link writes it: 0x08, the epoch (0 on the server link), the number, the payload. */
function dispatchFrame(seq: number, bytes: number): Uint8Array {
  const frame = new Uint8Array(2 + 8 + bytes);
  frame[0] = 0x08;
  return frame.subarray(0, writeVarUint(frame, 2, seq) + bytes);
}

describe('server link limits on what a player sends', () => {
  it('holds no more than the receive window for a player who never sends the next dispatch number', async () => {
    t = await startServer({ dispatch: DispatchRoom });
    const metrics = t.server.metrics as CountingMetrics;
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('flooder'));
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    // Numbers 2..301, never 1, 2,000 bytes each: 131 fit the 256 KiB the stream may hold, the rest not.
    for (let first = 2; first <= 301; first += 25) {
      const p = Array.from({ length: 25 }, (_, i) => dispatchFrame(first + i, 2_000)); // 50 KB a frame
      raw.send(Kind.DatagramToServer, { c: 2, p });
    }
    const refused = () => metrics.total('server_link_rejected_total', { reason: 'dispatch-window' });
    await eventually(() => refused() === 300 - 131, 'frames past the window refused');
    expect(metrics.total('bad_input_total', { code: 'DISPATCH_WINDOW' })).toBe(300 - 131);
    raw.close();
  }, 30_000);

  it('skips a dispatch message over maxMessageBytes, counted, and delivers the ones after it (TCP and direct)', async () => {
    t = await startServer(
      { dispatch: DispatchRoom },
      { serverLink: { bindAddress: '127.0.0.1', maxMessageBytes: 1_024 } },
    );
    const metrics = t.server.metrics as CountingMetrics;
    for (const serverLink of [{ mode: 'off' as const }, nodeRtc]) {
      const client = t.client({ serverLink });
      await client.connect();
      await client.create('dispatch');
      if (serverLink !== nodeRtc) expect(client.serverLink.path).toBe('tcp');
      else await eventually(() => client.serverLink.path === 'direct', 'a direct link', 15_000);
      const before = metrics.total('server_link_rejected_total', { reason: 'too-large' });
      const big = new Uint8Array(2_000).fill(0xff);
      // Our client's link keeps to the limit its welcome names (server-link-message-size.test.ts): as one
      // that predates it (or a client of another's making), this one sends what the server must skip.
      expect(client.serverLink.send(Channel.dispatch, big)).toBe(false);
      client.serverLink.maxMessageBytes = 16 * 1024;
      expect(client.serverLink.send(Channel.dispatch, numbered(1))).toBe(true);
      expect(client.serverLink.send(Channel.dispatch, big)).toBe(true);
      expect(client.serverLink.send(Channel.dispatch, numbered(3))).toBe(true);
      client.serverLink.send(Channel.phys, big); // a phys message over the limit: dropped, counted
      await eventually(() => heardFrom(client).length === 2, 'the messages around the large one');
      expect(heardFrom(client)).toEqual([1, 3]);
      await eventually(
        () => metrics.total('server_link_rejected_total', { reason: 'too-large' }) === before + 2,
        'both large messages counted',
      );
      client.close();
    }
  }, 40_000);

  it('refuses at once a dispatch message no path could carry (over 16 KiB with its header)', async () => {
    t = await startServer({ dispatch: DispatchRoom });
    const client = t.client();
    await client.connect();
    await client.create('dispatch');
    expect(client.serverLink.send(Channel.dispatch, new Uint8Array(16 * 1024 - 10))).toBe(true);
    expect(client.serverLink.send(Channel.dispatch, new Uint8Array(16 * 1024 - 9))).toBe(false);
    client.serverLink.send(Channel.dispatch, numbered(7));
    await eventually(() => heardFrom(client).length === 2, 'the messages that fit');
    expect(heardFrom(client)[1]).toBe(7);
    client.close();
  }, 30_000);
});
