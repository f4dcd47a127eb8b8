import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
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
