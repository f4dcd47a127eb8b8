import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAudio, FakeAudioContext } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/**
 * A peer's connection may bring a track that is not audio (another client's video, or a hostile peer's):
 * its stream has no audio track, which the speaking detector's AudioContext refuses with a throw. Voice
 * chat plays audio only: such a track must neither throw out of the browser's `ontrack` nor replace the
 * stream being played and its speaking indicator.
 */
describe('voice: a remote track without audio', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('throws nothing and leaves the peer playing with its speaking indicator', async () => {
    const va = h.start(A);
    h.start(B);
    const events: boolean[] = [];
    va.on('speaking', ({ peerId, speaking }) => {
      if (peerId === B) events.push(speaking);
    });
    await settle();
    expect(h.linked(A, B)).toBe(true);
    FakeAudioContext.level = 0.1;
    vi.advanceTimersByTime(100);
    expect(va.isSpeaking(B)).toBe(true);
    const audio = FakeAudio.made.find((element) => element.srcObject !== null);
    const playing = audio?.srcObject;
    expect(playing).toBeDefined();

    const pc = h.network.connected(A, B);
    const video = { kind: 'video', id: 'camera' };
    const videoOnly = { id: 'camera-stream', getAudioTracks: () => [], getVideoTracks: () => [video] };
    expect(() => pc?.ontrack?.({ track: video, streams: [videoOnly] })).not.toThrow();

    expect(audio?.srcObject).toBe(playing);
    vi.advanceTimersByTime(100);
    expect(va.isSpeaking(B)).toBe(true);
    expect(events).toEqual([true]);
  });
});
