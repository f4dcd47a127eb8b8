import { Channel, type Client } from 'vehikill-net/client';
import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

const RELAYED = 1_500;
const PAYLOAD = new Uint8Array(16 * 1024 - 64); // near the largest relayed message: 1,500 are ~24 MB

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy.close();
  await t.close();
});

/**
 * Alice sits behind a link that stops taking data; Bob (a raw protocol client, so nothing paces him)
 * floods her with relayed `dispatch` messages, more than the kernel's socket buffers hold on loopback.
 */
/** The test room, kept where the test can see what it heard. */
class HeardRoom extends TestRoom {
  static last: HeardRoom | undefined;
  override onCreate(options: unknown): void {
    super.onCreate(options);
    HeardRoom.last = this;
  }
}

async function floodedAlice(sendQueueBytes: number) {
  // Bob's rate and relay budget are lifted: what is tested here is the send queue they normally protect.
  t = await startServer(
    { test: HeardRoom },
    {
      rateBurst: 100_000,
      ratePerSecond: 100_000,
      relayBytesBurst: 1 << 30,
      relayBytesPerSecond: 1 << 30,
      sendQueueBytes,
    },
  );
  proxy = new TcpProxy(t.port);
  await proxy.listen();
  // Nothing reaches Alice while the link is stalled, for as long as the flood takes to send (seconds on a
  // loaded machine): her own dead-server timeout would give up on the link first and resume on a new
  // one, where what is tested here is what the server does with the stalled one.
  const alice = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, deadServerTimeoutMs: 60_000 });
  await alice.connect();
  // From the start: a drop during the flood is one too.
  const drops = watchDrops(alice);
  const aliceRoom = await alice.create('test');
  const bob = new RawClient(t.wsUrl, t.server.issueGuestToken('bob'));
  await bob.opened;
  bob.hello();
  await eventually(() => bob.received(Kind.Welcome).length === 1, 'bob welcomed');
  const bobId = bob.received(Kind.Welcome)[0]!.playerId;
  bob.send(Kind.JoinRoom, { rid: 1, roomId: aliceRoom.roomId });
  await eventually(() => aliceRoom.members.length === 2, 'bob joined');

  const arrivals: Array<number | 'chat'> = [];
  aliceRoom.relayLink(bobId).onMessage((channel, bytes) => {
    if (channel === Channel.dispatch) arrivals.push(bytes[0]! | (bytes[1]! << 8));
  });
  aliceRoom.onMessage('chat', () => arrivals.push('chat'));

  proxy.stallDownstream();
  for (let i = 0; i < RELAYED; i++) {
    PAYLOAD[0] = i & 0xff;
    PAYLOAD[1] = i >> 8;
    bob.send(Kind.DataToPeer, { to: alice.playerId!, c: 2, p: PAYLOAD });
    if (i % 100 === 99) await sleep(5);
  }
  bob.send(Kind.ClientRoomMessage, { t: 'chat', d: { text: 'the room speaks' } });
  // Bob's socket is in order: once the room has the chat, the server has taken in every relayed message,
  // and what the kernel did not take for Alice waits on the server.
  await eventually(() => HeardRoom.last?.log.includes('the room speaks') === true, 'the chat heard', 20_000);
  return { alice, bob, arrivals, drops };
}

function watchDrops(client: Client): number[] {
  const codes: number[] = [];
  client.on('drop', ({ code }) => codes.push(code));
  return codes;
}

describe('one WebSocket carrying everything, backed up', () => {
  it("a room's message overtakes the relayed peer data waiting for the slow socket; nothing is lost", async () => {
    const { alice, bob, arrivals, drops } = await floodedAlice(64 * 1024 * 1024);
    proxy.release();
    await eventually(() => arrivals.length === RELAYED + 1, 'everything', 20_000);
    const relayBeforeChat = arrivals.indexOf('chat');
    // In send order the chat would come after all 1,500; it passed what was waiting on the server.
    expect(relayBeforeChat).toBeLessThan(RELAYED - 100);
    const relays = arrivals.filter((item) => item !== 'chat');
    expect(relays).toEqual(Array.from({ length: RELAYED }, (_, i) => i)); // exactly once, in order
    expect(drops).toEqual([]);
    bob.close();
    alice.close();
  }, 60_000);

  it('a player who cannot keep up is cut off with OUTBOX_OVERFLOW, resumes, and stays in the room', async () => {
    const { alice, bob, arrivals, drops } = await floodedAlice(256 * 1024);
    const reconnects: Array<{ resumed: boolean; resync: boolean }> = [];
    alice.on('reconnect', ({ resumed, resync }) => reconnects.push({ resumed, resync }));
    proxy.release();
    await eventually(() => reconnects.length > 0, 'alice back', 20_000);
    expect(drops[0]).toBe(closeCodeFor(ErrorCode.OUTBOX_OVERFLOW));
    // Her outbox (1 MiB) could not hold all that was lost: she is told to resync, not left with holes.
    expect(reconnects[0]).toEqual({ resumed: true, resync: true });
    const before = arrivals.length;
    bob.send(Kind.ClientRoomMessage, { t: 'chat', d: { text: 'still here?' } });
    await eventually(() => arrivals.length > before && arrivals.at(-1) === 'chat', 'chat after the resume');
    bob.close();
    alice.close();
  }, 60_000);
});

describe('keeping under the server rate limit', () => {
  it("a burst of 600 relayed dispatch messages with the server's default limits: spread out, never cut off", async () => {
    t = await startServer({ test: TestRoom }); // default rateBurst 240, ratePerSecond 120
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.create('test');
    const bobRoom = await bob.join(aliceRoom.roomId);
    await eventually(() => aliceRoom.members.length === 2, 'both in the room');
    const drops = watchDrops(alice);
    const got: number[] = [];
    bobRoom.relayLink(alice.playerId!).onMessage((channel, bytes) => {
      if (channel === Channel.dispatch) got.push(bytes[0]! | (bytes[1]! << 8));
    });
    const toBob = aliceRoom.relayLink(bob.playerId!);
    for (let i = 0; i < 600; i++) toBob.send(Channel.dispatch, Uint8Array.of(i & 0xff, i >> 8));
    await eventually(() => got.length === 600, 'all 600', 20_000);
    expect(got).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(drops).toEqual([]);
    expect((t.server.metrics as CountingMetrics).total('bad_input_total')).toBe(0);
    alice.close();
    bob.close();
  }, 30_000);
});
