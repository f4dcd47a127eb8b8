import { Channel, type Client, type MeshOptions, type PeerMesh } from 'vehikill-net/client';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  // A small outbox per session: a player away for a few messages resumes with a resync.
  t = await startServer(
    { test: TestRoom },
    { rateBurst: 100_000, ratePerSecond: 100_000, outboxMessages: 20, graceMs: 20_000 },
  );
});
afterAll(async () => {
  await t.close();
});

const relayOnly: MeshOptions = { rtc: false };
const OUTBOX = 8;

/** The dispatch messages `mesh` hears from `from`, as the numbers they carry. */
function dispatchHeard(mesh: PeerMesh, from: string, into: number[] = []): number[] {
  mesh.on('message', (message) => {
    if (message.from === from && message.channel === Channel.dispatch) into.push(message.bytes[0]!);
  });
  return into;
}

/**
 * A and B seated in a room, their relay-only meshes linked, and A's link taking B's stream (one message):
 * A's room retires that stream when A's mesh closes.
 */
async function linked(clientA: Client, clientB: Client) {
  await Promise.all([clientA.connect(), clientB.connect()]);
  const roomA = await clientA.create('test', { options: { maxClients: 8 } });
  const roomB = await clientB.join(roomA.roomId);
  await eventually(() => roomA.members.length === 2, 'both seated');
  const [a, b] = [roomA.selfId, roomB.selfId];
  const meshA = roomA.mesh(relayOnly);
  const meshB = roomB.mesh(relayOnly);
  await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
  const heardByA = dispatchHeard(meshA, b);
  meshB.send(a, Channel.dispatch, Uint8Array.of(1));
  await eventually(() => heardByA.length === 1, 'the first message');
  return { roomA, meshA, meshB, a, b, heardByA };
}

/** Room messages until the session's outbox refuses one: none of them acked by the server yet. */
function fillOutbox(send: () => void): number {
  for (let k = 0; k < OUTBOX + 1; k++) {
    try {
      send();
    } catch (error) {
      if (error instanceof ProtocolError && error.code === ErrorCode.OUTBOX_OVERFLOW) return k;
      throw error;
    }
  }
  throw new Error('the outbox never filled');
}

/*
 * A mesh closed while its session's outbox is full (everything in it sent and not yet acked by the
 * server) could not queue its relay goodbye: the peer's link never heard that the stream it sends on
 * was taken by a link now closed, and went on sending it, while our next mesh dropped it as the closed
 * link's. Nothing the peer sent us arrived again until its link closed for another reason.
 */
describe('a relay goodbye lost to a full session outbox', () => {
  it("the peer's next messages still reach our next mesh", async () => {
    const clientA = t.client({ outboxMessages: OUTBOX });
    const clientB = t.client();
    const pair = await linked(clientA, clientB);
    const { roomA, meshB, a, b, heardByA } = pair;
    let { meshA } = pair;
    // A's outbox full (the server has not acked what was just sent), A closes its mesh: its goodbye is refused.
    expect(fillOutbox(() => roomA.send('chat', { text: 'hi' }))).toBeGreaterThan(0);
    meshA.close();
    meshA = roomA.mesh(relayOnly);
    dispatchHeard(meshA, b, heardByA);
    await sleep(500);
    // B, which never heard A's goodbye, sends A one message a second.
    for (let m = 2; m <= 4; m++) {
      meshB.send(a, Channel.dispatch, Uint8Array.of(m));
      await sleep(1_000);
    }
    await eventually(() => heardByA.includes(4), 'the last of them', 3_000).catch(() => {});
    expect(heardByA).toEqual([1, 2, 3, 4]);
    clientA.close();
    clientB.close();
  }, 30_000);

  /*
   * A goodbye the server relayed, then dropped from the peer's overflowing outbox while the peer was away
   * (it resumes with a resync): no sending side can help that one. Our next link, dropping the peer's old
   * stream, says the goodbye again.
   */
  it("the peer's messages reach our next mesh after a resync towards the peer dropped our goodbye", async () => {
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    const clientA = t.client();
    const clientB = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, backoff: { baseMs: 50, maxMs: 100 } });
    const resyncs: boolean[] = [];
    clientB.on('reconnect', ({ resync }) => resyncs.push(resync));
    const pair = await linked(clientA, clientB);
    const { roomA, meshB, a, b, heardByA } = pair;
    let { meshA } = pair;
    // B away; A closes its mesh (the goodbye waits for B at the server) and makes it again, then says
    // more in the room than B's session outbox holds: the goodbye is among what the server drops.
    proxy.block();
    await eventually(() => clientB.state !== 'open', "B's socket down");
    meshA.close();
    meshA = roomA.mesh(relayOnly);
    dispatchHeard(meshA, b, heardByA);
    for (let k = 0; k < 30; k++) roomA.send('chat', { text: `${k}` });
    await sleep(300);
    proxy.unblock();
    await eventually(() => resyncs.length === 1, 'B back', 10_000);
    expect(resyncs).toEqual([true]);
    expect(meshB.link(a)?.state).toBe('relayed'); // it never heard the goodbye
    for (let m = 2; m <= 4; m++) {
      meshB.send(a, Channel.dispatch, Uint8Array.of(m));
      await sleep(1_000);
    }
    await eventually(() => heardByA.includes(4), 'the last of them', 3_000).catch(() => {});
    // The first one B sent went on the stream A's next mesh drops, and showed the goodbye was lost.
    expect(heardByA).toEqual([1, 3, 4]);
    clientA.close();
    clientB.close();
    await proxy.close();
  }, 30_000);
});
