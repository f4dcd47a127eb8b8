import { Channel, type MeshOptions, type PeerMesh } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomOfClients } from '../support/hostile-peer.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom }, { rateBurst: 100_000, ratePerSecond: 100_000 });
});
afterAll(async () => {
  await t.close();
});

const relayOnly: MeshOptions = { rtc: false };

/** The dispatch messages `mesh` hears from `from`, as the 16-bit numbers they carry. */
function dispatchHeard(mesh: PeerMesh, from: string, into: number[] = []): number[] {
  mesh.on('message', (message) => {
    if (message.from === from && message.channel === Channel.dispatch)
      into.push(new DataView(message.bytes.buffer, message.bytes.byteOffset).getUint16(0));
  });
  return into;
}

/**
 * Closes `mesh` and opens the room's mesh again, `times` times (each new link takes the next epoch);
 * `linked`, when given, is waited for on each mesh before it closes. Returns the newest mesh.
 */
async function reopened(
  room: { mesh(options: MeshOptions): PeerMesh },
  mesh: PeerMesh,
  times: number,
  linked?: (mesh: PeerMesh) => boolean,
): Promise<PeerMesh> {
  let current = mesh;
  for (let k = 0; k < times; k++) {
    if (linked) await eventually(() => linked(current), 'linked before closing');
    current.close();
    current = room.mesh(relayOnly);
    if (!linked) await sleep(5);
  }
  return current;
}

function numbered(n: number): Uint8Array {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, n);
  return bytes;
}

/*
 * Each link numbers its dispatch stream from 1 under an epoch of its own. A peer goes on sending on its old
 * link until our goodbye reaches it; without epochs, what it sent meanwhile reached our next mesh's stream,
 * which took it as the start of the peer's new stream: held or delivered under numbers 1..K in place of the
 * peer's real next messages, which it then dropped as repeats.
 */
describe('dispatch streams across a mesh closed and made again', () => {
  it("takes each message of the peer's new stream once, in order, and none of its old stream", async () => {
    const { clients, rooms } = await roomOfClients(t, 2);
    const [a, b] = rooms.map((room) => room.selfId) as [string, string];
    let meshA = rooms[0]!.mesh(relayOnly);
    const meshB = rooms[1]!.mesh(relayOnly);
    await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
    const oldHeard = dispatchHeard(meshA, b);
    const oldLinkOfB = meshB.link(a);
    // B's stream well started, and taken by A's first mesh.
    let n = 0;
    for (; n < 5; n++) meshB.send(a, Channel.dispatch, numbered(n));
    await eventually(() => oldHeard.length === 5, 'the first five');
    // B sends on without a pause, on whatever link it has to A, while A closes its mesh and makes it again.
    const onNewLink: number[] = [];
    const onOldLink: number[] = [];
    const sending = setInterval(() => {
      for (let k = 0; k < 3; k++, n++) {
        const link = meshB.link(a);
        meshB.send(a, Channel.dispatch, numbered(n));
        (link === oldLinkOfB ? onOldLink : onNewLink).push(n);
      }
    }, 2);
    await sleep(30);
    meshA.close();
    meshA = rooms[0]!.mesh(relayOnly);
    const newHeard = dispatchHeard(meshA, b);
    await eventually(() => onNewLink.length >= 60, "B's fresh link, and sixty messages on it", 10_000);
    clearInterval(sending);
    await eventually(() => newHeard.length >= onNewLink.length, 'all of them heard', 10_000).catch(() => {});
    await sleep(300); // a copy, or a late one of the old stream, would come by now
    expect(onOldLink.length).toBeGreaterThan(0); // the race this is about happened
    expect(newHeard).toEqual(onNewLink);
    for (const client of clients) client.close();
  }, 30_000);

  /*
   * A goodbye said while the socket is down waits for the resume. Meanwhile the peer left the room and
   * came back (a new seating, a new link to us): replayed then, the goodbye named nothing, and closed the
   * peer's new link, whose fresh stream started over at 1 while our link to it had taken the old one's
   * numbers: the peer's next messages were dropped as repeats.
   */
  it("a goodbye replayed after a resume leaves the link of the peer's next seating alone", async () => {
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    const clientA = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, backoff: { baseMs: 50, maxMs: 100 } });
    const clientB = t.client();
    await Promise.all([clientA.connect(), clientB.connect()]);
    const roomA = await clientA.create('test', { options: { maxClients: 8 } });
    let roomB = await clientB.join(roomA.roomId);
    const [a, b] = [roomA.selfId, roomB.selfId];
    let meshA = roomA.mesh(relayOnly);
    let meshB = roomB.mesh(relayOnly);
    const heardByA = dispatchHeard(meshA, b);
    // A's link takes B's stream: its goodbye will name it.
    meshB.send(a, Channel.dispatch, numbered(1));
    await eventually(() => heardByA.length === 1, 'the first message');
    proxy.block();
    await eventually(() => clientA.state !== 'open', "A's socket down");
    meshA.close(); // its goodbye waits in A's outbox
    meshA = roomA.mesh(relayOnly);
    dispatchHeard(meshA, b, heardByA);
    // B leaves and comes back, and sends A three messages on its new link, which wait for A's resume.
    await roomB.leave();
    roomB = await clientB.join(roomA.roomId);
    meshB = roomB.mesh(relayOnly);
    await eventually(() => meshB.link(a) !== undefined, "B's new link to A");
    const linkOfB = meshB.link(a);
    const statesOfB: string[] = [];
    meshB.on('peer-state', ({ state }) => statesOfB.push(state));
    for (let m = 2; m <= 4; m++) meshB.send(a, Channel.dispatch, numbered(m));
    proxy.unblock();
    await eventually(() => clientA.state === 'open', 'A resumed', 10_000);
    await eventually(() => heardByA.length === 4, 'the three sent while A was away', 10_000).catch(() => {});
    await sleep(500); // the goodbye, replayed, has reached B by now
    for (let m = 5; m <= 7; m++) meshB.send(a, Channel.dispatch, numbered(m));
    await eventually(() => heardByA.length === 7, 'the three sent after', 5_000).catch(() => {});
    expect(heardByA).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(meshB.link(a)).toBe(linkOfB);
    expect(statesOfB).not.toContain('closed');
    clientA.close();
    clientB.close();
    await proxy.close();
  }, 30_000);

  it("B still takes A's dispatch after A made 140 new links to B while sending B nothing", async () => {
    const { clients, rooms } = await roomOfClients(t, 2);
    const [a, b] = rooms.map((room) => room.selfId) as [string, string];
    let meshA = rooms[0]!.mesh(relayOnly);
    const meshB = rooms[1]!.mesh(relayOnly);
    const heardByB = dispatchHeard(meshB, a);
    await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
    // B's link takes A's stream (epoch 0): when it closes, B's room retires epoch 0. 140 links later A's
    // epoch is over half the 8-bit circle past it.
    meshA.send(b, Channel.dispatch, numbered(1));
    await eventually(() => heardByB.length === 1, 'the first message');
    // A turns its mesh off and on again and again, sending B nothing meanwhile; B's mesh stays open.
    meshA = await reopened(rooms[0]!, meshA, 140);
    await sleep(500);
    meshA.send(b, Channel.dispatch, numbered(2));
    await eventually(() => heardByB.length === 2, 'the message on the newest link', 5_000).catch(() => {});
    expect(heardByB).toEqual([1, 2]);
    for (const client of clients) client.close();
  }, 60_000);

  /*
   * A mesh closed keeps, in its room, the peer's stream its link took, for the next mesh to drop what is
   * still on its way. Meanwhile nothing of ours follows the peer's links: each of its meshes made and
   * closed takes its next epoch for us, and 140 of them put it past half the 8-bit circle from the record,
   * where the next mesh took every frame of the peer's for one of the retired stream's and dropped it.
   */
  it("A's next mesh takes B's dispatch after B made 140 new links while A's mesh was closed", async () => {
    const { clients, rooms } = await roomOfClients(t, 2);
    const [a, b] = rooms.map((room) => room.selfId) as [string, string];
    let meshA = rooms[0]!.mesh(relayOnly);
    let meshB = rooms[1]!.mesh(relayOnly);
    const heardByA = dispatchHeard(meshA, b);
    await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
    // A's link takes B's stream: A's room retires it when A closes its mesh.
    meshB.send(a, Channel.dispatch, numbered(1));
    await eventually(() => heardByA.length === 1, 'the first message');
    meshA.close();
    // A's goodbye closes B's link, and B turns its mesh off and on again and again.
    await eventually(() => meshB.link(a)?.dispatchEpoch !== 0, "B's link after A's goodbye");
    meshB = await reopened(rooms[1]!, meshB, 140);
    await sleep(500); // B's goodbyes have reached A by now
    meshA = rooms[0]!.mesh(relayOnly);
    dispatchHeard(meshA, b, heardByA);
    await eventually(() => meshA.link(b) !== undefined, "A's new link to B");
    expect(meshB.link(a)?.dispatchEpoch).toBe(141); // past half the circle from the retired 0
    meshB.send(a, Channel.dispatch, numbered(2));
    await eventually(() => heardByA.length === 2, "the message on B's newest link", 5_000).catch(() => {});
    expect(heardByA).toEqual([1, 2]);
    for (const client of clients) client.close();
  }, 60_000);

  /*
   * B's epochs towards A count on across rooms, while A's record of B's streams is its seating's: could B
   * push its epochs past a record A keeps in one room by making links to A in another? Not through the
   * client: it sits in one room at a time, and the join of the other leaves the first, records and all.
   */
  it("A takes B's dispatch back in a room after B made 140 links to A in another room", async () => {
    const { clients, rooms } = await roomOfClients(t, 3); // the third keeps the first room open
    const [clientA, clientB] = clients as [(typeof clients)[0], (typeof clients)[0]];
    const [inR1A, inR1B] = rooms as [(typeof rooms)[0], (typeof rooms)[0]];
    const [a, b] = [inR1A.selfId, inR1B.selfId];
    const meshA = inR1A.mesh(relayOnly);
    const meshB = inR1B.mesh(relayOnly);
    const heardInR1 = dispatchHeard(meshA, b);
    await eventually(() => meshA.link(b) !== undefined && meshB.link(a) !== undefined, 'linked');
    meshB.send(a, Channel.dispatch, numbered(1));
    await eventually(() => heardInR1.length === 1, 'the first message');
    // Both move to R2: R1 is left, its mesh closed with it.
    const inR2A = await clientA.create('test', { options: { maxClients: 8 } });
    const inR2B = await clientB.join(inR2A.roomId);
    expect([inR1A.left, inR1B.left, meshA.closed]).toEqual([true, true, true]);
    inR2A.mesh(relayOnly);
    await reopened(inR2B, inR2B.mesh(relayOnly), 140, (mesh) => mesh.link(a) !== undefined);
    // Back in R1: B's next link to A is 140 and more past the stream A's first seating there took.
    const backA = await clientA.join(inR1A.roomId);
    const backB = await clientB.join(inR1A.roomId);
    const meshBackA = backA.mesh(relayOnly);
    const meshBackB = backB.mesh(relayOnly);
    const heardBack = dispatchHeard(meshBackA, b);
    await eventually(
      () => meshBackA.link(b) !== undefined && meshBackB.link(a) !== undefined,
      'linked again',
    );
    expect(meshBackB.link(a)?.dispatchEpoch).toBe(142); // past half the circle from 0
    meshBackB.send(a, Channel.dispatch, numbered(2));
    await eventually(() => heardBack.length === 1, 'the message in R1 again', 5_000).catch(() => {});
    expect(heardBack).toEqual([2]);
    for (const client of clients) client.close();
  }, 60_000);
});
