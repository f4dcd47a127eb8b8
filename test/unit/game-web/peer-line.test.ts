import { describe, expect, it } from 'vitest';
import { peerLine } from '../../../game/web/overlay/peer-line.js';

describe("the network overlay's line for a peer", () => {
  it('names the link and its round trip, rounded, when measured', () => {
    expect(peerLine('Ada', 'direct', { rttMs: 41.6, samplesReplaced: 0 })).toBe('Ada: direct · 42 ms');
    expect(peerLine('Ada', 'connecting', { rttMs: Number.NaN, samplesReplaced: 0 })).toBe('Ada: connecting');
  });

  it("shows the relay's replaced samples while relayed, not once the link is direct again", () => {
    expect(peerLine('Bo', 'relayed', { rttMs: 80, samplesReplaced: 340 })).toBe(
      'Bo: relayed · 80 ms · 340 replaced',
    );
    expect(peerLine('Bo', 'relayed', { rttMs: 80, samplesReplaced: 0 })).toBe('Bo: relayed · 80 ms');
    expect(peerLine('Bo', 'direct', { rttMs: 30, samplesReplaced: 340 })).toBe('Bo: direct · 30 ms');
  });
});
