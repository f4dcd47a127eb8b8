import { describe, expect, it } from 'vitest';
import { DepartedPeers, type KeptPeerState } from '../../../src/client/mesh/departed-peers.js';
import { TokenBucket } from '../../../src/common/index.js';

function kept(): KeptPeerState {
  return {
    bucket: new TokenBucket(10, 5, 0),
    flood: undefined,
    refuseDirectForMs: 0,
    peerOffers: new TokenBucket(4, 0.5, 0),
    links: new TokenBucket(3, 0.1, 0),
  };
}

describe('DepartedPeers: what the mesh held against a player who left, for their next seating', () => {
  it('hands the same budgets back once, with what is left of a flood penalty', () => {
    const departed = new DepartedPeers();
    const state = kept();
    departed.remember('p1', state, 60_000, 60_000, 1_000);
    const back = departed.take('p1', 21_000);
    expect(back?.bucket).toBe(state.bucket);
    expect(back?.links).toBe(state.links);
    expect(back?.refuseDirectForMs).toBe(39_000);
    // Once: the link to the next seating has it now.
    expect(departed.take('p1', 21_000)).toBeUndefined();
  });

  it('gives nothing back once the record has run out (a fresh start holds as much)', () => {
    const departed = new DepartedPeers();
    departed.remember('p1', kept(), 0, 30_000, 0);
    expect(departed.take('p1', 30_000)).toBeUndefined();
  });

  it('keeps at most 64 players, dropping the one that left first', () => {
    const departed = new DepartedPeers();
    for (let i = 0; i < 65; i++) departed.remember(`p${i}`, kept(), 0, 100_000, i);
    expect(departed.take('p0', 100)).toBeUndefined();
    expect(departed.take('p1', 100)).toBeDefined();
    expect(departed.take('p64', 100)).toBeDefined();
  });

  it('a player who leaves again is kept by their newest leave, and as the newest', () => {
    const departed = new DepartedPeers();
    const first = kept();
    const second = kept();
    departed.remember('p0', first, 0, 100_000, 0);
    for (let i = 1; i < 64; i++) departed.remember(`p${i}`, kept(), 0, 100_000, i);
    departed.remember('p0', second, 5_000, 100_000, 64);
    // p0 went to the back: the 65th player pushes p1 out, not p0.
    departed.remember('p64', kept(), 0, 100_000, 65);
    expect(departed.take('p1', 100)).toBeUndefined();
    const back = departed.take('p0', 1_000);
    expect(back?.bucket).toBe(second.bucket);
    expect(back?.refuseDirectForMs).toBe(4_000);
  });
});
