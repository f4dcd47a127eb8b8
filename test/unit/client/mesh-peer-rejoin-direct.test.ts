import { describe, expect, it } from 'vitest';
import { PEER_LINK_BURST } from '../../../src/client/mesh/peer-link-budget.js';
import { FakePeerConnection } from './fakes/fake-peer-connection.js';
import { meshPair } from './fakes/mesh-pair.js';

const self = 'aaaaaaaa05';

/** Every connection still open connects: both sides' links go direct if they are negotiating. */
function connectAll(): void {
  for (const pc of FakePeerConnection.made) if (!pc.closed) pc.connect();
}

/**
 * A peer's leave says goodbye just ahead of it (its mesh closes as it leaves), and the goodbye has our mesh
 * put a fresh link in the closed one's place, which the leave closes at once. That short-lived link took
 * one from the link budget as well as the link for the peer's next seating: each rejoin cost two, so an
 * honest peer rejoining four times within a minute had our link to it held off the direct path (on the
 * relay) for up to 50 s after.
 */
describe('an honest peer that leaves and rejoins a few times a minute', () => {
  it.each([
    ['the peer offers', 'aaaaaaaa01'],
    ['this side offers', 'aaaaaaaa09'],
  ])('is linked to directly again at once after each rejoin (%s)', async (_, peer) => {
    const pair = await meshPair(self, peer);
    connectAll();
    expect(pair.mesh.link(peer)?.state).toBe('direct');
    for (let round = 0; round <= PEER_LINK_BURST; round++) {
      pair.clock.advance(10_000);
      await pair.rejoin();
      expect(pair.mesh.link(peer)?.directRefused).toBe(false);
      connectAll();
      expect(pair.mesh.link(peer)?.state).toBe('direct');
      expect(pair.peerMesh().link(self)?.state).toBe('direct');
    }
    pair.close();
  });
});

describe('a peer that turns its mesh off and on, then leaves', () => {
  it('has spent the links its next meshes met: its rejoin finds the budget as they left it', async () => {
    const pair = await meshPair(self, 'aaaaaaaa01');
    // The first link and three that took a closed one's place, each met by the peer's next mesh.
    for (let toggle = 0; toggle < PEER_LINK_BURST - 1; toggle++) {
      pair.clock.advance(2_100);
      await pair.toggle('heard');
      expect(pair.mesh.link('aaaaaaaa01')?.peerLinkEpoch).toBeDefined();
    }
    await pair.rejoin();
    expect(pair.mesh.link('aaaaaaaa01')?.directRefused).toBe(true);
    pair.close();
  });
});
