import { describe, expect, it } from 'vitest';
import { LinkEpochs } from '../../../src/client/mesh/link-epochs.js';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom, member } from './fakes/fake-room.js';

const peer = 'aaaaaaaa01'; // the lower id: its links offer and retry
const self = 'aaaaaaaa02';
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

/**
 * The peer's room and ours, signals crossing between them a microtask later; what goes through the relay
 * is dropped, goodbyes included: the peer's mesh closing is never heard here.
 */
function twoRooms(clock: ManualClock) {
  FakePeerConnection.reset();
  const ours = fakeRoom(self, [peer, self], clock);
  const theirs = fakeRoom(peer, [peer, self], clock);
  ours.peers.set(peer, theirs.room);
  theirs.peers.set(self, ours.room);
  return { ours, theirs };
}

/** The signals of `kind` that `room` sent. */
function sent(room: ReturnType<typeof fakeRoom>, kind: 'offer' | 'answer'): unknown[] {
  return room.signals.filter(
    ({ signal }) =>
      (signal as { signal?: { description?: { type: string } } }).signal?.description?.type === kind,
  );
}

describe("a peer's next link, after our link missed the goodbye of the one before", () => {
  it('has its first offer answered at once, by a link that takes the old one’s place', async () => {
    const clock = new ManualClock();
    const { ours, theirs } = twoRooms(clock);
    const mesh = ours.room.mesh({ rtc });
    const peerMesh = theirs.room.mesh({ rtc });
    await settle();
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
    const clock = new ManualClock();
    const { ours, theirs } = twoRooms(clock);
    const mesh = ours.room.mesh({ rtc });
    const peerMesh = theirs.room.mesh({ rtc });
    await settle();
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

describe('a peer that left and came back while our socket was away (told by our resync)', () => {
  it("is negotiated with afresh at once, though its new seating's offer was answered by the link its leave closed", async () => {
    const clock = new ManualClock();
    const { ours, theirs } = twoRooms(clock);
    ours.room.applyState({}, [
      { ...member(peer), seating: 1 },
      { ...member(self), seating: 2 },
    ]);
    const mesh = ours.room.mesh({ rtc });
    theirs.room.mesh({ rtc });
    await settle();
    // The peer leaves and joins again (the same client: its links' epochs count on); its new mesh offers,
    // and that offer reaches us in the replay at our resume, ahead of the resync's member list.
    const linkEpochs = new LinkEpochs();
    linkEpochs.next(self); // the epoch of its first seating's link
    const again = fakeRoom(peer, [peer, self], clock, { linkEpochs });
    again.peers.set(self, ours.room);
    ours.peers.set(peer, again.room);
    const peerMesh = again.room.mesh({ rtc });
    await settle();
    expect(sent(ours, 'answer')).toHaveLength(2);
    const before = FakePeerConnection.made.length;
    const heldAnswer = peerMesh.link(self);
    ours.room.applyState({}, [
      { ...member(peer), seating: 3 },
      { ...member(self), seating: 2 },
    ]);
    await settle();
    // The answer came from a link the resync then closed: a fresh one offers at once, and the peer's link
    // that held that answer gives way to one that negotiates with it (not after a timeout and a retry, 20 s).
    const made = FakePeerConnection.made.slice(before);
    expect(made.length).toBeGreaterThan(0);
    const ourLast = made.at(-1);
    expect(ourLast?.closed).toBe(false);
    expect(ourLast?.remoteDescription?.type).toBe('offer');
    expect(ourLast?.localDescription?.type).toBe('answer');
    expect(peerMesh.link(self)).not.toBe(heldAnswer);
    const theirLast = made.find(
      (connection) => connection.localDescription?.type === 'offer' && !connection.closed,
    );
    expect(theirLast?.remoteDescription?.type).toBe('answer');
    mesh.close();
    peerMesh.close();
  });
});

describe("a peer's next link whose dispatch came ahead of its offer", () => {
  it('keeps our link, which already takes its stream, and answers the offer on it', async () => {
    const clock = new ManualClock();
    const { ours, theirs } = twoRooms(clock);
    const mesh = ours.room.mesh({ rtc });
    const peerMesh = theirs.room.mesh({ rtc });
    await settle();
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

describe("a resync's new seating of a peer whose new stream our old link took", () => {
  it('does not leave our fresh link waiting for that stream from its start', async () => {
    const clock = new ManualClock();
    FakePeerConnection.reset();
    const ours = fakeRoom(self, [peer, self], clock);
    ours.room.applyState({}, [
      { ...member(peer), seating: 1 },
      { ...member(self), seating: 2 },
    ]);
    const mesh = ours.room.mesh({ rtc: false });
    const heard: number[] = [];
    mesh.on('message', ({ channel, bytes }) => {
      if (channel === Channel.dispatch) heard.push(bytes[0]!);
    });
    // The peer left and came back (the same client) while our socket was away; its new mesh sent one
    // message, which came to our old link in the replay at our resume, ahead of the member list.
    const linkEpochs = new LinkEpochs();
    linkEpochs.next(self);
    const again = fakeRoom(peer, [peer, self], clock, { linkEpochs });
    const peerMesh = again.room.mesh({ rtc: false });
    /** Hands what each side relayed to the other, until neither has more. */
    const pump = () => {
      while (again.relayed.length > 0 || ours.relayed.length > 0) {
        for (const frame of again.relayed.splice(0))
          ours.room.receivePeerData(peer, frame.channel, frame.bytes, clock.now(), undefined);
        for (const frame of ours.relayed.splice(0))
          again.room.receivePeerData(self, frame.channel, frame.bytes, clock.now(), undefined);
      }
    };
    peerMesh.send(self, Channel.dispatch, Uint8Array.of(1));
    pump();
    clock.advance(200); // our old link acks it
    pump();
    expect(heard).toEqual([1]);
    ours.room.applyState({}, [
      { ...member(peer), seating: 3 },
      { ...member(self), seating: 2 },
    ]);
    peerMesh.send(self, Channel.dispatch, Uint8Array.of(2));
    pump();
    clock.advance(1_000);
    peerMesh.send(self, Channel.dispatch, Uint8Array.of(3));
    pump();
    // The stream our fresh link could not take from its middle was said goodbye to; the peer's next link's is
    // taken from its start. (What the peer sent on the old one meanwhile is not delivered: see goodbyes.)
    expect(heard).toEqual([1, 3]);
    mesh.close();
    peerMesh.close();
  });
});
