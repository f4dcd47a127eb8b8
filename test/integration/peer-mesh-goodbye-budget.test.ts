import { Channel, type MeshOptions } from 'vehikill-net/client';
import { MAX_PEER_DATA_BYTES } from 'vehikill-net/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomOfClients } from '../support/hostile-peer.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  // The smallest relay burst there is, and next to no refill: what a sender spends stays spent.
  t = await startServer(
    { test: TestRoom },
    {
      rateBurst: 100_000,
      ratePerSecond: 100_000,
      relayBytesBurst: MAX_PEER_DATA_BYTES + 1024,
      relayBytesPerSecond: 1,
    },
  );
});
afterAll(async () => {
  await t.close();
});

const relayOnly: MeshOptions = { rtc: false };

/*
 * An honest mesh can be over its relay budget towards a peer (a dispatch backlog sent again after its
 * direct link died) when it closes. Its goodbye, refused with the rest, left the peer's link open on its
 * old stream, which the sender's next mesh drops as the one its closed link took: nothing the peer sent
 * on that link arrived again.
 */
describe('a relay goodbye over the sender budget', () => {
  it("still closes the peer's link: the peer's next messages reach the sender's next mesh", async () => {
    const { clients, rooms } = await roomOfClients(t, 2);
    const [a, b] = rooms.map((room) => room.selfId) as [string, string];
    const meshA = rooms[0]!.mesh(relayOnly);
    let meshB = rooms[1]!.mesh(relayOnly);
    const heardByB: number[] = [];
    const listen = () =>
      meshB.on('message', ({ from, channel, bytes }) => {
        if (from === a && channel === Channel.dispatch) heardByB.push(bytes[0]!);
      });
    listen();
    let eventsHeardByA = 0;
    meshA.on('message', ({ channel }) => {
      if (channel === Channel.event) eventsHeardByA++;
    });
    const statesOfA: string[] = [];
    meshA.on('peer-state', ({ state }) => statesOfA.push(state));
    await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
    // B's link takes A's stream: B's goodbye names it, and B's next mesh drops it.
    meshA.send(b, Channel.dispatch, Uint8Array.of(1));
    await eventually(() => heardByB.length === 1, 'the first message');
    // B spends its budget towards A to the last few bytes: ever smaller events, each size until one is
    // refused, down to empty ones, each smaller as relayed than a goodbye.
    let eventsSent = 0;
    for (const size of [MAX_PEER_DATA_BYTES - 64, 512, 128, 32, 8, 0]) {
      for (let k = 0; k < 8; k++, eventsSent++) meshB.send(a, Channel.event, new Uint8Array(size));
    }
    await sleep(300);
    expect(eventsHeardByA).toBeLessThan(eventsSent); // over the budget
    meshB.close();
    meshB = rooms[1]!.mesh(relayOnly);
    listen();
    await eventually(() => statesOfA.includes('closed'), "B's goodbye heard", 3_000).catch(() => {});
    meshA.send(b, Channel.dispatch, Uint8Array.of(2));
    await eventually(() => heardByB.length === 2, "the message on A's next link", 3_000).catch(() => {});
    expect(heardByB).toEqual([1, 2]);
    expect(statesOfA).toContain('closed');
    for (const client of clients) client.close();
  }, 30_000);
});
