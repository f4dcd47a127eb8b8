import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: the hostile player is the offering side, the victim answers.
const HOSTILE = 'player-a';
const VICTIM = 'player-z';

const h = voiceHarnessEach([HOSTILE, VICTIM]);

const sdp = 'v=0\r\na=fake-id:999999\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n';
const offer = (n: number) => ({ voice: { description: { type: 'offer', sdp } }, n });

function victimConnections(): number {
  return h.network.connections.filter((pc) => pc.owner === VICTIM).length;
}

/** The hostile player sends a burst of offers, leaves and comes back, `rounds` times, all at one instant. */
async function cycle(rounds: number): Promise<void> {
  const hostile = h.rooms.room(HOSTILE);
  const victim = h.rooms.room(VICTIM);
  for (let round = 0; round < rounds; round++) {
    for (let n = 1; n <= 8; n++) hostile.signal(VICTIM, offer(n));
    await settle();
    victim.applyMemberLeft(HOSTILE, 'left');
    victim.applyMemberJoined({ playerId: HOSTILE, name: HOSTILE, away: false });
    await settle();
  }
}

/**
 * Each offer the victim acts on costs it a connection, an answer and its candidates, against its own
 * signal budget towards the peer on the server, which a leave and rejoin does not refill (ByPair).
 */
describe('what voice holds against a peer, across its leave and rejoin', () => {
  it('its offer budget: leaving and coming back buys it no fresh burst of offers to act on', async () => {
    const voice = h.start(VICTIM);
    await settle();
    const before = victimConnections();
    await cycle(5);
    // The burst of four, once: not once per seating.
    expect(victimConnections() - before).toBe(4);
    for (let n = 1; n <= 8; n++) h.rooms.room(HOSTILE).signal(VICTIM, offer(n));
    await settle();
    expect(voice.ignoredOffers(HOSTILE)).toBe(8);
  });

  it('its offer budget across a proximity drop and re-add', async () => {
    let audible = true;
    const voice = h.start(VICTIM, { audible: () => audible });
    await settle();
    const before = victimConnections();
    for (let round = 0; round < 5; round++) {
      for (let n = 1; n <= 8; n++) h.rooms.room(HOSTILE).signal(VICTIM, offer(n));
      await settle();
      audible = false;
      voice.refreshPeers();
      audible = true;
      voice.refreshPeers();
      await settle();
    }
    expect(victimConnections() - before).toBe(4);
  });

  it('is let go once it has refilled', async () => {
    h.start(VICTIM);
    await settle();
    const before = victimConnections();
    await cycle(1);
    h.clock.advance(60_000);
    await cycle(1);
    expect(victimConnections() - before).toBe(8);
  });
});
