import { describe, expect, it } from 'vitest';
import { settle } from './fakes/fake-peer-connection.js';
import { meshPair } from './fakes/mesh-pair.js';

const peer = 'aaaaaaaa01'; // the lower id: its links offer
const self = 'aaaaaaaa02';

describe('an honest peer on a flaky network, past the link budget its rejoins spent', () => {
  /**
   * Each rejoin costs our mesh a link of its budget (the link for its new seating): three rejoins in 5 s
   * leave none. Our link then ignored the peer's next goodbye, or its next link's offer after a lost one,
   * and went on sending on a stream the peer's next link had retired: what it sent was dropped there and
   * never delivered, even once the link was replaced seconds later.
   */
  it.each(['heard', 'lost'] as const)(
    'still delivers every dispatch message both ways when its mesh restarts (goodbye %s)',
    async (goodbye) => {
      const pair = await meshPair(self, peer);
      await pair.talk();
      for (let round = 0; round < 3; round++) {
        await pair.rejoin();
        await pair.talk();
      }
      await pair.toggle(goodbye);
      await pair.talk();
      // Past the budget: the link that took the closed one's place holds off the direct path.
      expect(pair.mesh.link(peer)?.directRefused).toBe(true);
      // Long enough for every retransmission, and for the link budget to refill.
      for (let index = 0; index < 120; index++) {
        pair.forward();
        await settle();
        pair.clock.advance(500);
      }
      const all = Array.from({ length: pair.sent() }, (_, index) => index + 1);
      expect(pair.heard.theirs).toEqual(all);
      expect(pair.heard.ours).toEqual(all);
      pair.close();
    },
  );
});
