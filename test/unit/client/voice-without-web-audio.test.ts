import { describe, expect, it, vi } from 'vitest';
import { FakeAudio } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/** An AudioContext that cannot be made: Web Audio turned off by a privacy setting or an embedder. */
class RefusedAudioContext {
  constructor() {
    throw new DOMException('Web Audio is disabled', 'NotSupportedError');
  }
}

/**
 * Without Web Audio there is no speaking indicator, but voices still play: the speaking detector of a
 * peer's stream must not throw out of the browser's `ontrack` (every attempt, for good).
 */
describe('voice: a browser without Web Audio', () => {
  it("plays each peer's audio and reports no one speaking, throwing nothing", async () => {
    vi.stubGlobal('AudioContext', RefusedAudioContext);
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      const va = h.start(A);
      h.start(B);
      await settle();
      expect(h.linked(A, B)).toBe(true);
      const playing = FakeAudio.made.filter((element) => element.srcObject !== null);
      expect(playing.length).toBeGreaterThanOrEqual(1);
      expect(va.isSpeaking(B)).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
