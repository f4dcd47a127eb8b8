import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { FakeMediaStream } from '../../support/fake-media.js';
import { FakeVoiceNetwork } from '../../support/fake-voice-rtc.js';
import { settle } from '../../support/signal-rooms.js';
import { fakeRoom } from './fakes/fake-room.js';

afterEach(() => vi.unstubAllGlobals());

/**
 * A room that hides players' addresses (relay-only) on a server without TURN: voice can connect to no one,
 * and says so with a `problem` (docs/client.md). The voice chat found that out in its constructor, while
 * choosing its peers, and told it there, before `room.voice()` had returned and the app could listen;
 * and since it tells it once, the player never heard why nobody could be heard.
 */
describe('voice in a relay-only room without a TURN server', () => {
  it('tells the app listening right after room.voice() that it needs TURN', async () => {
    vi.stubGlobal('MediaStream', FakeMediaStream);
    const { room } = fakeRoom('player-a', ['player-a', 'player-b', 'player-c'], new ManualClock(), {
      peerPrivacy: 'relay-only',
    });
    const network = new FakeVoiceNetwork();
    const voice = room.voice({ RTCPeerConnection: network.constructorFor('player-a') });
    const problems: string[] = [];
    voice.on('problem', ({ message }) => problems.push(message));
    await settle();
    expect(problems).toEqual([
      "Voice needs a TURN server here: this room hides players' addresses from each other.",
    ]);
    expect(network.connections).toHaveLength(0);
    voice.close();
  });

  it("says it was asked for TURN, not that the room hides addresses, when the app's own policy is 'relay'", async () => {
    vi.stubGlobal('MediaStream', FakeMediaStream);
    const { room } = fakeRoom('player-a', ['player-a', 'player-b'], new ManualClock());
    const network = new FakeVoiceNetwork();
    const voice = room.voice({
      RTCPeerConnection: network.constructorFor('player-a'),
      iceTransportPolicy: 'relay',
    });
    const problems: string[] = [];
    voice.on('problem', ({ message }) => problems.push(message));
    await settle();
    expect(problems).toEqual([
      "Voice needs a TURN server here: it was set to hide players' addresses (iceTransportPolicy 'relay'), and the server offers none.",
    ]);
    expect(network.connections).toHaveLength(0);
    voice.close();
  });
});
