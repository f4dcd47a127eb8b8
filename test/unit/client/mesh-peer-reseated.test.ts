import { describe, expect, it } from 'vitest';
import { LinkEpochs } from '../../../src/client/mesh/link-epochs.js';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom, member } from './fakes/fake-room.js';
import { sentDescriptions as sent, twoRooms as twoRoomsOf } from './fakes/two-rooms.js';

const peer = 'aaaaaaaa01'; // the lower id: its links offer and retry
const self = 'aaaaaaaa02';
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };
const twoRooms = (clock: ManualClock) => twoRoomsOf(self, peer, clock);

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
