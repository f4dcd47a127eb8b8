import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom, member } from './fakes/fake-room.js';

const peer = 'aaaaaaaa01'; // the lower id: it offers
const self = 'aaaaaaaa02';
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

const offer = (sdp: string) => ({ n: 1, o: true, signal: { description: { type: 'offer', sdp } } });

describe("signals of a peer's seating that ended", () => {
  it('are not replayed to a mesh made after the peer left and came back', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room, signals } = fakeRoom(self, [peer, self], clock);
    // The peer's mesh offered before ours existed; then it left (a reload) and came back with a new mesh,
    // whose attempts number from 1 again.
    room.receiveSignal(peer, offer('v=0 first seating'));
    room.receiveSignal(peer, { n: 1, o: true, signal: { candidate: { candidate: 'candidate:old' } } });
    clock.advance(2_000);
    room.applyMemberLeft(peer, 'left');
    room.applyMemberJoined(member(peer));
    room.receiveSignal(peer, offer('v=0 second seating'));
    room.mesh({ rtc });
    await settle();
    // One answer, to the offer of the seating the peer is in: an answer to the first one would reach its
    // new mesh as the answer to its own offer.
    const answers = signals.filter(
      ({ signal }) =>
        (signal as { signal?: { description?: { type: string } } }).signal?.description?.type === 'answer',
    );
    expect(answers).toHaveLength(1);
    expect(FakePeerConnection.made).toHaveLength(1);
    expect(FakePeerConnection.made[0]?.remoteDescription?.sdp).toBe('v=0 second seating');
  });
});
