import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { relayCarrier } from './fakes/relay-carrier.js';
import { sentDescriptions as sent, twoRooms as twoRoomsOf } from './fakes/two-rooms.js';

const peer = 'aaaaaaaa01'; // the lower id: its links offer and retry
const self = 'aaaaaaaa02';
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };
const twoRooms = (clock: ManualClock) => twoRoomsOf(self, peer, clock);

/** Our room and the peer's, each with its mesh made and settled, on one manual clock. */
async function twoMeshes() {
  const clock = new ManualClock();
  const { ours, theirs } = twoRooms(clock);
  const mesh = ours.room.mesh({ rtc });
  const peerMesh = theirs.room.mesh({ rtc });
  await settle();
  return { clock, ours, theirs, mesh, peerMesh };
}

describe("a peer's next link, after our link missed the goodbye of the one before", () => {
  it('has its first offer answered at once, by a link that takes the old one’s place', async () => {
    const { clock, ours, theirs, mesh, peerMesh } = await twoMeshes();
    // Attempt 1 never connects; the peer's link tries again 20 s later: ours is at attempt 2 now.
    clock.advance(5_000);
    await settle();
    clock.advance(15_000);
    await settle();
    expect(sent(ours, 'answer')).toHaveLength(2);
    const oldLink = mesh.link(peer);
    // The peer turns its mesh off and on; its goodbye is lost. Its next link offers attempt 1.
    peerMesh.close();
    theirs.room.mesh({ rtc });
    const offered = FakePeerConnection.made.at(-1);
    await settle();
    expect(sent(theirs, 'offer')).toHaveLength(3);
    // Answered at once (it was ignored until the peer's attempts passed ours: 20 s per attempt).
    expect(sent(ours, 'answer')).toHaveLength(3);
    expect(offered?.remoteDescription?.type).toBe('answer');
    expect(mesh.link(peer)).not.toBe(oldLink);
    expect(oldLink?.state).toBe('closed');
    // A late offer of the peer's link before (epoch 0; its next one is 1) opens no attempt, whatever its number.
    const late = { n: 9, e: 0, o: true, signal: { description: { type: 'offer', sdp: 'v=0 late' } } };
    ours.room.receiveSignal(peer, late);
    await settle();
    expect(sent(ours, 'answer')).toHaveLength(3);
    mesh.close();
  });

  it('two live links that offer the same attempt at once still resolve it as glare, no link replaced', async () => {
    const { mesh, peerMesh } = await twoMeshes();
    const link = mesh.link(peer);
    const peerLink = peerMesh.link(self);
    // Both open attempt 2 before either offer crosses: the polite side (ours) gives way and answers.
    link?.retryDirect();
    peerLink?.retryDirect();
    await settle();
    expect(mesh.link(peer)).toBe(link);
    expect(peerMesh.link(self)).toBe(peerLink);
    expect(link?.collisions).toBe(1);
    expect(peerLink?.collisions).toBe(0);
    const peerOffer = FakePeerConnection.made.find(
      (connection) =>
        connection.localDescription?.type === 'offer' && connection.remoteDescription?.type === 'answer',
    );
    expect(peerOffer).toBeDefined();
    mesh.close();
    peerMesh.close();
  });
});

describe("a peer's next link whose dispatch came ahead of its offer", () => {
  it('keeps our link, which already takes its stream, and answers the offer on it', async () => {
    const { clock, ours, theirs, mesh, peerMesh } = await twoMeshes();
    const link = mesh.link(peer);
    const heard: number[] = [];
    mesh.on('message', ({ channel, bytes }) => {
      if (channel === Channel.dispatch) heard.push(bytes[0]!);
    });
    // The peer turns its mesh off and on (its goodbye lost) and sends at once: the relay carries that to
    // us before its new link's offer is made.
    peerMesh.close();
    const relayedBefore = theirs.relayed.length;
    const nextMesh = theirs.room.mesh({ rtc });
    nextMesh.send(self, Channel.dispatch, Uint8Array.of(1));
    const forward = () => {
      for (const frame of theirs.relayed.splice(relayedBefore))
        ours.room.receivePeerData(peer, frame.channel, frame.bytes, clock.now(), undefined);
    };
    forward();
    expect(heard).toEqual([1]);
    await settle();
    // Answered at once, and the stream goes on: a fresh link could not take it from its middle.
    expect(sent(ours, 'answer')).toHaveLength(2);
    expect(mesh.link(peer)).toBe(link);
    nextMesh.send(self, Channel.dispatch, Uint8Array.of(2));
    forward();
    expect(heard).toEqual([1, 2]);
    mesh.close();
    nextMesh.close();
  });
});

/**
 * Our room and the peer's with their meshes, and what each sends through the relay carried to the other when
 * the test says (`forward`), in order, as the server would; `drop` loses what the peer's side sent so far (a
 * resync dropped it, goodbye and acks included). Each side's link replacements are counted (`closed`).
 */
async function relayedPair() {
  const { clock, ours, theirs, mesh, peerMesh } = await twoMeshes();
  const { forward, dropTheirs: drop } = relayCarrier(clock, ours, theirs);
  const heard: number[] = [];
  mesh.on('message', ({ channel, bytes }) => {
    if (channel === Channel.dispatch) heard.push(bytes[0]!);
  });
  const closed = { ours: 0, theirs: 0 };
  mesh.on('peer-state', ({ state }) => {
    if (state === 'closed') closed.ours++;
  });
  return { clock, ours, theirs, mesh, peerMesh, forward, drop, heard, closed };
}

describe("a peer's next link whose dispatch came ahead of its offer, after our link had sent on its own stream", () => {
  /**
   * Our link had sent the peer's old link a message, which that link took: the peer's next link retires our
   * stream. Taken by our link, the next link's first messages were followed by that link dropping ours and
   * saying the lost goodbye again, which closed our link; the fresh link in its place retired the stream it
   * had been following and said a goodbye that closed the peer's next link in turn: two links replaced for
   * one goodbye, and what the peer sent in between lost.
   */
  async function afterLostGoodbye(peerSentBefore: boolean) {
    const pair = await relayedPair();
    const { clock, theirs, mesh, peerMesh, forward, drop, closed } = pair;
    mesh.send(peer, Channel.dispatch, Uint8Array.of(100));
    if (peerSentBefore) peerMesh.send(self, Channel.dispatch, Uint8Array.of(0));
    forward();
    forward();
    await settle();
    peerMesh.close();
    drop(); // its goodbye (and its acks) lost
    const nextMesh = theirs.room.mesh({ rtc });
    nextMesh.on('peer-state', ({ state }) => {
      if (state === 'closed') closed.theirs++;
    });
    for (let n = 1; n <= 12; n++) {
      nextMesh.send(self, Channel.dispatch, Uint8Array.of(n));
      forward();
      await settle();
      clock.advance(500); // retransmissions of what either side has not had acked
    }
    forward();
    await settle();
    return { ...pair, nextMesh };
  }

  it('replaces our link once, as the goodbye would have, and takes every message of the next stream', async () => {
    const { mesh, nextMesh, heard, closed } = await afterLostGoodbye(true);
    expect(closed).toEqual({ ours: 1, theirs: 0 });
    expect(heard).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    mesh.close();
    nextMesh.close();
  });

  it('does so too when our link had taken nothing of the peer’s old link (known by its signals)', async () => {
    const { mesh, nextMesh, heard, closed } = await afterLostGoodbye(false);
    expect(closed).toEqual({ ours: 1, theirs: 0 });
    expect(heard).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    mesh.close();
    nextMesh.close();
  });
});
