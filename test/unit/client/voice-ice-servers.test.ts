import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import type { RtcPeerConnectionConstructor } from '../../../src/transport/index.js';
import { FakeMediaStream } from '../../support/fake-media.js';
import { FakeVoiceNetwork } from '../../support/fake-voice-rtc.js';
import { settle } from '../../support/signal-rooms.js';
import { fakeRoom } from './fakes/fake-room.js';

afterEach(() => vi.unstubAllGlobals());

/**
 * TURN credentials expire (an hour by default), and the client asks for fresh ones before they do. The mesh
 * reads the room's ICE servers at each direct attempt; voice read them once, when it added the peer, so
 * every later attempt to that peer (after a network blip, hours into a session) was made with the
 * credentials of the first: expired, TURN refuses them, and where TURN is needed (a relay-only room, or a
 * strict NAT) the peer is never heard again.
 */
describe('voice attempts after the TURN credentials were refreshed', () => {
  it('use the ICE servers current when each attempt starts', async () => {
    vi.stubGlobal('MediaStream', FakeMediaStream);
    const clock = new ManualClock();
    let iceServers: RTCIceServer[] = [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'first' }];
    // player-a offers; player-b never answers, so the attempt times out and another starts.
    const { room } = fakeRoom('player-a', ['player-a', 'player-b'], clock, { iceServers: () => iceServers });
    const network = new FakeVoiceNetwork();
    const Base = network.constructorFor('player-a') as unknown as new (c: RTCConfiguration) => object;
    const configurations: RTCConfiguration[] = [];
    class Recording extends Base {
      constructor(configuration: RTCConfiguration) {
        super(configuration);
        configurations.push(configuration);
      }
    }
    const voice = room.voice({ RTCPeerConnection: Recording as unknown as RtcPeerConnectionConstructor });
    await settle();
    expect(configurations.map((c) => c.iceServers?.[0]?.credential)).toEqual(['first']);
    iceServers = [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'second' }];
    clock.advance(10_000); // the unanswered attempt times out
    clock.advance(1_000); // and the next starts after the first retry wait
    await settle();
    expect(configurations.map((c) => c.iceServers?.[0]?.credential)).toEqual(['first', 'second']);
    voice.close();
  });
});
