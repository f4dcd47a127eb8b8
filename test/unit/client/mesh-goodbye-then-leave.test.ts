import { describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../../src/client/room-connection.js';
import { ManualClock } from '../../../src/common/index.js';
import { encodeGoodbye } from '../../../src/transport/keepalive.js';
import { RELAY_CHANNEL_NUMBER, RELAY_CONTROL } from '../../../src/transport/relay-link.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom } from './fakes/fake-room.js';
import { meshPair } from './fakes/mesh-pair.js';

const self = 'aaaaaaaa05';
const peer = 'aaaaaaaa09'; // the higher id: this side's links start the attempts to it
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

/** Our room with its mesh, linked to the peer, and its first link's offer sent. */
async function meshToPeer() {
  FakePeerConnection.reset();
  const clock = new ManualClock();
  const { room, signals } = fakeRoom(self, [peer, self], clock);
  const mesh = room.mesh({ rtc });
  await settle();
  return { clock, room, signals, mesh };
}

/** A goodbye from the peer's link through the relay, as its mesh closing says. */
function goodbyeFrom(room: RoomConnection, clock: ManualClock): void {
  room.receivePeerData(peer, RELAY_CONTROL, encodeGoodbye(undefined), clock.now(), undefined);
}

/** Every connection still open connects: both sides' links go direct if they are negotiating. */
function connectAll(): void {
  for (const pc of FakePeerConnection.made) if (!pc.closed) pc.connect();
}

/**
 * A player whose app closes its mesh as it leaves the room: its goodbye comes just ahead of its leave, and
 * while it is still a member, our mesh puts a fresh link in the closed one's place. That link started a
 * WebRTC attempt at once on the side that starts them: a connection, and an offer to a player who was gone,
 * which the server refused (NOT_IN_ROOM).
 */
describe("a link made for a peer's goodbye", () => {
  it.each([
    ['at once', 0],
    ['a little later (its leave waited behind a join)', 900],
  ])('sends no offer to a peer that says goodbye and then leaves (the leave comes %s)', async (_, gapMs) => {
    const { clock, room, signals, mesh } = await meshToPeer();
    const made = FakePeerConnection.made.length;
    const signalled = signals.length;
    expect(made).toBe(1); // the first link's attempt
    goodbyeFrom(room, clock);
    expect(mesh.link(peer)?.state).toBe('relayed'); // the fresh link, for the peer's next mesh
    await settle();
    clock.advance(gapMs);
    await settle();
    room.applyMemberLeft(peer, 'left');
    await settle();
    expect(FakePeerConnection.made).toHaveLength(made);
    expect(signals.slice(signalled)).toEqual([]);
    mesh.close();
  });

  it('offers once the peer is heard from again: any frame of its next link on the relay', async () => {
    const { clock, room, signals, mesh } = await meshToPeer();
    goodbyeFrom(room, clock);
    await settle();
    const signalled = signals.length;
    // Its mesh stays closed a while: nothing to offer to.
    clock.advance(30_000);
    await settle();
    expect(signals.length).toBe(signalled);
    room.receivePeerData(peer, RELAY_CHANNEL_NUMBER.event, Uint8Array.of(1), clock.now(), undefined);
    await settle();
    expect(signals.slice(signalled)).toEqual([
      expect.objectContaining({ to: peer, signal: expect.objectContaining({ n: 1, o: true }) }),
    ]);
    mesh.close();
  });
});

describe("the pace of links made for a peer's goodbyes", () => {
  it('holds: one made within 2 s of the last offers at the end of them, though its peer is heard at once', async () => {
    const { clock, room, signals, mesh } = await meshToPeer();
    const goodbyeAndFrame = () => {
      goodbyeFrom(room, clock);
      room.receivePeerData(peer, RELAY_CHANNEL_NUMBER.phys, Uint8Array.of(1), clock.now(), undefined);
    };
    goodbyeAndFrame();
    await settle();
    const offers = () => signals.filter(({ signal }) => (signal as { o?: true }).o === true).length;
    const afterFirst = offers();
    expect(afterFirst).toBe(2); // the first link's, and its replacement's on hearing the peer
    clock.advance(500);
    goodbyeAndFrame();
    await settle();
    expect(mesh.link(peer)?.directRefusedForMs).toBe(1_500);
    clock.advance(1_499);
    await settle();
    expect(offers()).toBe(afterFirst);
    clock.advance(1);
    await settle();
    expect(offers()).toBe(afterFirst + 1);
    mesh.close();
  });
});

describe('a peer that turns its mesh off and on, this side offering', () => {
  it('is linked to directly again within a keepalive period of its next mesh', async () => {
    const pair = await meshPair(self, peer);
    connectAll();
    expect(pair.mesh.link(peer)?.state).toBe('direct');
    pair.clock.advance(10_000);
    const before = FakePeerConnection.made.length;
    await pair.toggle('heard');
    // The fresh link waits for the peer's next link: no attempt yet.
    expect(pair.mesh.link(peer)?.state).toBe('relayed');
    expect(FakePeerConnection.made).toHaveLength(before);
    // Both links beat once a second on the relay: ours hears the peer's, and offers.
    pair.clock.advance(1_000);
    pair.forward();
    await settle();
    connectAll();
    expect(pair.mesh.link(peer)?.state).toBe('direct');
    expect(pair.peerMesh().link(self)?.state).toBe('direct');
    pair.close();
  });
});
