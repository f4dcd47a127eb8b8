import { describe, expect, it } from 'vitest';
import { FakeAudio } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/** Volumes of the audio elements now playing a peer (A's for B and B's for A), lowest first. */
const playingVolumes = () =>
  FakeAudio.made
    .filter((audio) => audio.srcObject !== null)
    .map((audio) => audio.volume)
    .sort();

describe("voice: a peer's volume holds for the voice chat's life", () => {
  it('through a proximity drop and re-add of that peer', async () => {
    let near = true;
    const va = h.start(A, { audible: () => near });
    const vb = h.start(B, { audible: () => near });
    await settle();
    va.setVolume(B, 0.3);
    expect(playingVolumes()).toEqual([0.3, 1]);
    near = false;
    va.refreshPeers();
    vb.refreshPeers();
    near = true;
    va.refreshPeers();
    vb.refreshPeers();
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(playingVolumes()).toEqual([0.3, 1]);
  });

  it('set before the peer’s audio arrives (a saved mute applied at start): it holds once it does', async () => {
    const va = h.start(A);
    va.setVolume(B, 0); // the mute
    h.start(B);
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(playingVolumes()).toEqual([0, 1]);
    expect(va.volume(B)).toBe(0);
  });

  it('is clamped to 0..1, and 1 for a peer never set', async () => {
    const va = h.start(A);
    va.setVolume(B, 7);
    expect(va.volume(B)).toBe(1);
    va.setVolume(B, -1);
    expect(va.volume(B)).toBe(0);
    expect(va.volume('someone-else')).toBe(1);
  });
});
