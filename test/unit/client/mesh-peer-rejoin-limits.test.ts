import { describe, expect, it } from 'vitest';
import { PEER_LINK_BURST, PEER_LINKS_PER_SECOND } from '../../../src/client/mesh/peer-link-budget.js';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { encodeGoodbye } from '../../../src/transport/keepalive.js';
import { RELAY_CHANNEL_NUMBER, RELAY_CONTROL } from '../../../src/transport/relay-link.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom, member } from './fakes/fake-room.js';

const hostile = 'aaaaaaaa01'; // the lower id: its offers are the ones a link acts on
const self = 'aaaaaaaa02';
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

const offer = (n: number) => ({ n, o: true, signal: { description: { type: 'offer', sdp: `v=0 ${n}` } } });

describe('what the mesh holds against a peer, across its leave and rejoin', () => {
  it('its offer budget: leaving and coming back buys it no fresh burst of offers to act on', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(self, [hostile, self], clock);
    room.mesh({ rtc });
    // Offer after offer, leaving and rejoining between bursts: each answer costs this side signals that
    // the server counts against its budget towards the peer, which a rejoin does not refill (ByPair).
    for (let round = 0; round < 5; round++) {
      for (let n = 1; n <= 8; n++) room.receiveSignal(hostile, offer(n));
      await settle();
      room.applyMemberLeft(hostile, 'left');
      room.applyMemberJoined(member(hostile));
    }
    await settle();
    // A connection (and its answer and candidates) for each offer of the burst of four, once: not per seating.
    expect(FakePeerConnection.made).toHaveLength(4);
  });

  it('its flood penalty: the link made for its next seating still refuses the direct path', () => {
    const clock = new ManualClock();
    const { room } = fakeRoom(self, [hostile, self], clock);
    const mesh = room.mesh({ rtc });
    mesh.link(hostile)?.refuseDirectFor(60_000); // as a flood does (see PeerMesh.#watchFlood)
    clock.advance(10_000);
    room.applyMemberLeft(hostile, 'left');
    room.applyMemberJoined(member(hostile));
    expect(mesh.link(hostile)?.directRefused).toBe(true);
    expect(mesh.link(hostile)?.directRefusedForMs).toBe(50_000);
    clock.advance(50_000);
    expect(mesh.link(hostile)?.directRefused).toBe(false);
    mesh.close();
  });

  it('is let go once it holds nothing a fresh start would not', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(self, [hostile, self], clock);
    room.mesh({ rtc });
    for (let n = 1; n <= 8; n++) room.receiveSignal(hostile, offer(n));
    await settle();
    room.applyMemberLeft(hostile, 'left');
    clock.advance(60_000); // the budget refilled long ago
    room.applyMemberJoined(member(hostile));
    for (let n = 1; n <= 8; n++) room.receiveSignal(hostile, offer(n));
    await settle();
    expect(FakePeerConnection.made).toHaveLength(8);
  });
});

describe('how many links the mesh makes to a peer, across goodbyes, later links and rejoins', () => {
  const higher = 'aaaaaaaa09'; // the higher id: this side's links start the attempts to it
  const goodbye = () => encodeGoodbye(undefined);
  /** A frame after the goodbye, as from the peer's next mesh: the link made for the goodbye offers on it. */
  const nextMeshFrame = () => Uint8Array.of(0);

  // Ten rejoins a second for a minute: each new link would offer at once (this side starts attempts), and
  // each offer and its candidates count against this side's signal budget towards the peer. With a goodbye
  // just ahead of each leave, as an honest peer's leave looks: the link the goodbye puts in the closed one's
  // place goes with the leave and is put back in the budget; the link for each seating still takes one. A
  // frame after the goodbye, as from a next mesh, has that link offer (as a link made at once did), within
  // the pace of replacements.
  it.each([
    ['without a goodbye', 'none'],
    ['with a goodbye ahead of each leave', 'goodbye'],
    ['with a goodbye and a frame ahead of each leave', 'goodbye and frame'],
  ] as const)(
    'a peer leaving and rejoining in a loop (%s) does not have this side start a WebRTC attempt per rejoin',
    async (_, ahead) => {
      FakePeerConnection.reset();
      const clock = new ManualClock();
      const { room, signals } = fakeRoom(self, [higher, self], clock);
      room.mesh({ rtc });
      for (let t = 0; t < 600; t++) {
        if (ahead !== 'none') room.receivePeerData(higher, RELAY_CONTROL, goodbye(), clock.now(), undefined);
        if (ahead === 'goodbye and frame')
          room.receivePeerData(higher, RELAY_CHANNEL_NUMBER.phys, nextMeshFrame(), clock.now(), undefined);
        room.applyMemberLeft(higher, 'left');
        room.applyMemberJoined(member(higher));
        await settle();
        clock.advance(100);
      }
      const most = PEER_LINK_BURST + 60 * PEER_LINKS_PER_SECOND + 1;
      expect(FakePeerConnection.made.length).toBeLessThanOrEqual(most);
      expect(signals.length).toBeLessThanOrEqual(most);
    },
  );

  it('goodbyes in a loop, leaving and rejoining between them, replace the link a few times, not each time', async () => {
    const clock = new ManualClock();
    const { room } = fakeRoom(self, [hostile, self], clock);
    const mesh = room.mesh({ rtc: false });
    let replaced = 0;
    let link = mesh.link(hostile);
    for (let t = 0; t < 600; t++) {
      room.receivePeerData(hostile, RELAY_CONTROL, goodbye(), clock.now(), undefined);
      if (mesh.link(hostile) !== link) replaced++;
      if (t % 50 === 49) {
        room.applyMemberLeft(hostile, 'left');
        room.applyMemberJoined(member(hostile));
      }
      link = mesh.link(hostile);
      clock.advance(100);
    }
    expect(replaced).toBeGreaterThan(0);
    expect(replaced).toBeLessThanOrEqual(PEER_LINK_BURST + 60 * PEER_LINKS_PER_SECOND);
    mesh.close();
  });

  // With a frame after each goodbye, as from the peer's next mesh: the fresh link offers on hearing it.
  it.each([
    ['', false],
    [', each followed by a frame', true],
  ])(
    'goodbyes in a loop while this side sends%s start a few WebRTC attempts, though each replaces the link',
    async (_, frameAfter) => {
      FakePeerConnection.reset();
      const clock = new ManualClock();
      const { room, signals } = fakeRoom(self, [higher, self], clock);
      const mesh = room.mesh({ rtc });
      // Each link sent a message the peer never acks: kept, the link would lose it, so past the link budget a
      // goodbye still replaces it. The fresh links hold off the direct path instead. Just over 2 s apart, so
      // that the pace of replacements alone (RELINK_PACE_MS) would not hold them off.
      for (let t = 0; t < 60; t++) {
        mesh.send(higher, Channel.dispatch, Uint8Array.of(t));
        room.receivePeerData(higher, RELAY_CONTROL, goodbye(), clock.now(), undefined);
        if (frameAfter)
          room.receivePeerData(higher, RELAY_CHANNEL_NUMBER.phys, nextMeshFrame(), clock.now(), undefined);
        await settle();
        clock.advance(2_100);
      }
      const most = PEER_LINK_BURST + 126 * PEER_LINKS_PER_SECOND + 1;
      expect(FakePeerConnection.made.length).toBeLessThanOrEqual(most);
      expect(signals.length).toBeLessThanOrEqual(most);
      mesh.close();
    },
  );

  it('offers naming ever newer links of the peer replace the link a few times, then the link answers them', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(self, [hostile, self], clock);
    const mesh = room.mesh({ rtc });
    let closed = 0;
    mesh.on('peer-state', ({ state }) => {
      if (state === 'closed') closed++;
    });
    for (let t = 0; t < 600; t++) {
      room.receiveSignal(hostile, { ...offer(1), e: t & 0xff });
      await settle();
      clock.advance(100);
    }
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThanOrEqual(PEER_LINK_BURST + 60 * PEER_LINKS_PER_SECOND);
    mesh.close();
  });
});
