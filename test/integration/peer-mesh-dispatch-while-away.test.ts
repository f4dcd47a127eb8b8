import { Channel, type PeerMesh } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ignored } from '../support/ignored.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom }, { rateBurst: 100_000, ratePerSecond: 100_000, graceMs: 20_000 });
});
afterAll(async () => {
  await t.close();
});

const OUTBOX = 12;

/** The dispatch messages `mesh` hears from `from`, as the numbers they carry. */
function dispatchHeard(mesh: PeerMesh, from: string): number[] {
  const heard: number[] = [];
  mesh.on('message', (message) => {
    if (message.from === from && message.channel === Channel.dispatch) heard.push(message.bytes[0]!);
  });
  return heard;
}

/*
 * A peer link retransmitted its unacked dispatch messages every 1, 2, 4, 8 s whatever the socket did:
 * through the relay, each copy went into the session outbox while the socket was down, where the
 * originals already waited for the resume. A few seconds away filled the outbox, and the app's own
 * room messages were refused (OUTBOX_OVERFLOW).
 */
describe("a peer's dispatch messages sent while the socket is down", () => {
  it('wait in the outbox once each, leave room for the app, and arrive once each at the resume', async () => {
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    const clientA = t.client();
    const clientB = t.client({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      backoff: { baseMs: 50, maxMs: 100 },
      outboxMessages: OUTBOX,
    });
    await Promise.all([clientA.connect(), clientB.connect()]);
    const roomA = await clientA.create('test', { options: { maxClients: 8 } });
    const roomB = await clientB.join(roomA.roomId);
    await eventually(() => roomA.members.length === 2, 'both seated');
    const meshA = roomA.mesh({ rtc: false });
    const meshB = roomB.mesh({ rtc: false });
    await eventually(
      () => meshA.link(roomB.selfId) !== undefined && meshB.link(roomA.selfId) !== undefined,
      'linked',
    );
    const heard = dispatchHeard(meshA, roomB.selfId);

    proxy.block();
    await eventually(() => clientB.state !== 'open', "B's socket down", 10_000);
    for (let m = 1; m <= 5; m++)
      expect(meshB.send(roomA.selfId, Channel.dispatch, Uint8Array.of(m))).toBe(true);
    // Past three rounds of retransmission (1, 3 and 7 s).
    await sleep(7_500);
    // The outbox holds the five, not their copies: the app's own messages still fit.
    // (Less a few: what else the session had not yet seen acked as the socket went.) They only fill the
    // outbox: neither player reads them.
    roomA.onMessage('chat', ignored);
    roomB.onMessage('chat', ignored);
    for (let k = 0; k < OUTBOX - 8; k++) roomB.send('chat', { text: `${k}` });

    proxy.unblock();
    await eventually(() => clientB.state === 'open', 'B back', 10_000);
    await eventually(() => heard.length >= 5, 'the five', 5_000);
    await sleep(500);
    expect(heard).toEqual([1, 2, 3, 4, 5]);
    clientA.close();
    clientB.close();
    await proxy.close();
  }, 40_000);
});
