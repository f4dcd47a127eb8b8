import { Channel, type MeshOptions, type PeerMesh } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomOfClients } from '../support/hostile-peer.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom }, { rateBurst: 100_000, ratePerSecond: 100_000 });
});
afterAll(async () => {
  await t.close();
});

const relayOnly: MeshOptions = { rtc: false };

function dispatchHeard(mesh: PeerMesh, from: string, into: number[] = []): number[] {
  mesh.on('message', (message) => {
    if (message.from === from && message.channel === Channel.dispatch) into.push(message.bytes[0] as number);
  });
  return into;
}

describe("a peer's stream epochs after many links", () => {
  it("B still takes A's dispatch after A made 140 new links to B while sending B nothing", async () => {
    const { clients, rooms } = await roomOfClients(t, 2);
    const [a, b] = rooms.map((room) => room.selfId) as [string, string];
    let meshA = rooms[0]!.mesh(relayOnly);
    const meshB = rooms[1]!.mesh(relayOnly);
    const heardByB = dispatchHeard(meshB, a);
    await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
    // B's link takes A's stream (epoch 0): when it closes, B's room retires epoch 0. 140 links later A's
    // epoch is over half the 8-bit circle past it.
    meshA.send(b, Channel.dispatch, Uint8Array.of(1));
    await eventually(() => heardByB.length === 1, 'the first message');
    // A turns its mesh off and on again and again, sending B nothing meanwhile; B's mesh stays open.
    for (let k = 0; k < 140; k++) {
      meshA.close();
      meshA = rooms[0]!.mesh(relayOnly);
      await sleep(5);
    }
    await sleep(500);
    meshA.send(b, Channel.dispatch, Uint8Array.of(2));
    await eventually(() => heardByB.length === 2, 'the message on the newest link', 5_000).catch(() => {});
    expect(heardByB).toEqual([1, 2]);
    for (const client of clients) client.close();
  }, 60_000);
});
