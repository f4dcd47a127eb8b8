import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: the victim is the offering side, the hostile player "answers" (never does).
const VICTIM = 'player-a';
const HOSTILE = 'player-z';

const h = voiceHarnessEach([VICTIM, HOSTILE]);

/**
 * A hostile player (no voice of its own) never answers the victim's offer and asks for it again and
 * again (`offerMe` naming attempt 0, which it has "not seen"), 18 a second: within its own signal budget
 * on the server (20 a second). Each request had the victim send its offer and candidates again, two or
 * more signals for one: 216 in 6 s, over the victim's own budget towards the hostile player (40 at once,
 * then 20 a second), which the server counts as the victim's faults until it cuts the victim off.
 */
describe('voice offer requests flooded by a peer', () => {
  it('are acted on a few at once and then one every 2 s; the rest are ignored and counted', async () => {
    const voice = h.start(VICTIM);
    await settle();
    const hostile = h.rooms.room(HOSTILE);
    const before = h.rooms.between(VICTIM, HOSTILE).length;
    expect(before).toBeGreaterThan(0); // the victim's offer went out
    for (let i = 0; i < 108; i++) {
      hostile.signal(VICTIM, { voice: { offerMe: true }, n: 0 });
      await settle();
      h.clock.advance(1000 / 18);
    }
    await settle();
    const replies = h.rooms.between(VICTIM, HOSTILE).length - before;
    expect(replies).toBeLessThanOrEqual(40);
    expect(voice.ignoredOffers(HOSTILE)).toBeGreaterThan(90);
  });
});
