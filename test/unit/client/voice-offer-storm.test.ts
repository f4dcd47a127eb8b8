import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: the hostile player is the offering side, the victim answers.
const HOSTILE = 'player-a';
const VICTIM = 'player-z';

const h = voiceHarnessEach([HOSTILE, VICTIM]);

/**
 * A hostile player (no voice of its own) sends the victim voice offer after offer, each for a new attempt,
 * 18 a second: within its own signal budget on the server (20 a second). Each one the victim acts on costs
 * it a connection, an answer and its candidates: before, it answered all 108 in 6 s with 216 signals,
 * over its own budget towards the hostile player (40 at once, then 20 a second), which the server counts
 * as the victim's faults until it cuts the victim off.
 */
describe('voice offers flooded by a peer', () => {
  it('are acted on a few at once and then one every 2 s; the rest are ignored and counted', async () => {
    const voice = h.start(VICTIM);
    await settle();
    const hostile = h.rooms.room(HOSTILE);
    const sdp = 'v=0\r\na=fake-id:999999\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n';
    const connectionsBefore = h.network.connections.filter((pc) => pc.owner === VICTIM).length;
    for (let n = 1; n <= 108; n++) {
      hostile.signal(VICTIM, { voice: { description: { type: 'offer', sdp } }, n });
      await settle();
      h.clock.advance(1000 / 18);
    }
    await settle();
    const replies = h.rooms.between(VICTIM, HOSTILE).length;
    const connections = h.network.connections.filter((pc) => pc.owner === VICTIM).length - connectionsBefore;
    expect(connections).toBeLessThanOrEqual(8);
    expect(replies).toBeLessThanOrEqual(40);
    expect(voice.ignoredOffers(HOSTILE)).toBeGreaterThan(90);
  });
});
