import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom } from './fakes/fake-room.js';

const A = 'aaaaaaaa01';
const B = 'bbbbbbbb02';
const turnWith = (credential: string): RTCIceServer[] => [
  { urls: 'turn:turn.example.com:3478', username: `x:${credential}`, credential },
];

describe('the mesh and the ICE servers of the moment', () => {
  it('makes each direct attempt with the credentials the room has then, not those it was made with', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    let current = turnWith('old');
    const { room } = fakeRoom(A, [A, B], clock, { iceServers: () => current });
    const mesh = room.mesh({ rtc: { RTCPeerConnection: FakePeerConnection.ctor } });
    await settle();
    // An hour later the client holds fresh credentials (a refresh, or a resume's welcome).
    current = turnWith('new');
    clock.advance(3_600_000);
    mesh.link(B)?.retryDirect();
    await settle();
    expect(FakePeerConnection.made[0]?.credential).toBe('old');
    expect(FakePeerConnection.made.at(-1)?.credential).toBe('new');
  });

  it('the answering side too, and a relay-only room turns direct once a TURN server is there', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    let current: RTCIceServer[] = [];
    // B is the higher id: it answers A's offers.
    const { room } = fakeRoom(B, [A, B], clock, { iceServers: () => current, peerPrivacy: 'relay-only' });
    const mesh = room.mesh({ rtc: { RTCPeerConnection: FakePeerConnection.ctor } });
    expect(mesh.directCapable).toBe(false); // relay-only without TURN: the server relay only
    current = turnWith('fresh');
    expect(mesh.directCapable).toBe(true);
    room.receiveSignal(A, { n: 1, o: true, signal: { description: { type: 'offer', sdp: 'v=0' } } });
    await settle();
    expect(FakePeerConnection.made).toHaveLength(1);
    expect(FakePeerConnection.made[0]?.credential).toBe('fresh');
    expect(FakePeerConnection.made[0]?.configuration.iceTransportPolicy).toBe('relay');
  });

  it('a relay-only room takes TURN URLs in any case as TURN servers (URL schemes are case-insensitive)', () => {
    const { room } = fakeRoom(B, [A, B], new ManualClock(), { peerPrivacy: 'relay-only' });
    for (const urls of ['TURN:turn.example.com:3478', ['stun:stun.example.com', 'Turns:turn.example.com']]) {
      const mesh = room.mesh({
        rtc: {
          RTCPeerConnection: FakePeerConnection.ctor,
          iceServers: [{ urls, username: 'u', credential: 'p' }],
        },
      });
      expect(mesh.directCapable).toBe(true);
      mesh.close();
    }
  });
});
