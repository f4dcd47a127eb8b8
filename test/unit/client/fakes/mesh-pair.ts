import type { PeerMesh } from '../../../../src/client/mesh/peer-mesh.js';
import { ManualClock } from '../../../../src/common/index.js';
import { Channel } from '../../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fake-peer-connection.js';
import { type FakeRoom, fakeRoom, member } from './fake-room.js';
import { relayCarrier } from './relay-carrier.js';

const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

/**
 * Our room and the peer's client, with their meshes; what each side sends through the relay is carried
 * to the other when the test says (`forward`), in order, as the server would. The peer can leave and join
 * again as its client does (a new room on the same client's link epochs, its mesh closed by the leave and
 * its goodbye relayed ahead of it). Each side's dispatch messages are numbered in the order sent, and what
 * the other side heard of them is recorded. Of the two ids, the lower one's links offer.
 */
export async function meshPair(self: string, peer: string) {
  FakePeerConnection.reset();
  const clock = new ManualClock();
  const ours = fakeRoom(self, [peer, self], clock);
  let theirs: FakeRoom = fakeRoom(peer, [peer, self], clock);
  const peerEpochs = theirs.room.linkEpochs;
  const mesh = ours.room.mesh({ rtc });
  const heard = { ours: [] as number[], theirs: [] as number[] };
  mesh.on('message', ({ channel, bytes }) => {
    if (channel === Channel.dispatch) heard.ours.push(bytes[0] as number);
  });
  let peerMesh: PeerMesh;
  const openPeerMesh = () => {
    peerMesh = theirs.room.mesh({ rtc });
    peerMesh.on('message', ({ channel, bytes }) => {
      if (channel === Channel.dispatch) heard.theirs.push(bytes[0] as number);
    });
  };
  const link = () => {
    ours.peers.set(peer, theirs.room);
    theirs.peers.set(self, ours.room);
  };
  link();
  openPeerMesh();
  await settle();
  const relay = relayCarrier(clock, ours, theirs);
  const forward = () => relay.forward();
  let sent = 0;
  /** Three messages each way, half a second apart, carried across at once. */
  const talk = async () => {
    for (let index = 0; index < 3; index++) {
      sent++;
      mesh.send(peer, Channel.dispatch, Uint8Array.of(sent));
      peerMesh.send(self, Channel.dispatch, Uint8Array.of(sent));
      forward();
      forward();
      await settle();
      clock.advance(500);
    }
  };
  return {
    clock,
    heard,
    talk,
    forward,
    sent: () => sent,
    /** Our mesh. */
    mesh,
    /** The peer's mesh now (its client makes a new one when it turns its mesh on, or rejoins). */
    peerMesh: () => peerMesh,
    /** Turns the peer's mesh off and on (`goodbye`: whether its goodbye reaches us). */
    toggle: async (goodbye: 'heard' | 'lost') => {
      peerMesh.close();
      if (goodbye === 'heard') forward();
      else relay.dropTheirs();
      openPeerMesh();
      await settle();
    },
    /** The peer's client leaves the room and joins it again. */
    rejoin: async () => {
      peerMesh.close();
      forward();
      ours.room.applyMemberLeft(peer, 'left');
      theirs = fakeRoom(peer, [peer, self], clock, { linkEpochs: peerEpochs });
      relay.replaceTheirs(theirs);
      link();
      ours.room.applyMemberJoined(member(peer));
      openPeerMesh();
      await settle();
    },
    close: () => {
      mesh.close();
      peerMesh.close();
    },
  };
}
