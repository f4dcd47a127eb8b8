import { describe, expect, it } from 'vitest';
import { FakeAudio, FakeAudioContext } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';
const C = 'player-c';

const BLOCKED = 'The browser blocked audio playback: click anywhere to hear voices.';

const h = voiceHarnessEach([A, B, C]);

/** The voice chat's problems from here on. */
function problemsOf(voice: ReturnType<typeof h.start>): string[] {
  const problems: string[] = [];
  voice.on('problem', ({ message }) => problems.push(message));
  return problems;
}

/**
 * A page that plays sound before the player has clicked or pressed a key: the browser's autoplay policy
 * refuses `play()` (NotAllowedError) and starts AudioContexts suspended. Voice says "click anywhere to
 * hear voices": the click must then start what was refused.
 */
describe('audio playback the browser blocked until the player clicks', () => {
  it('is told once for all peers, and starts at the next click, with the speaking indicators', async () => {
    FakeAudio.refusal = 'NotAllowedError';
    FakeAudioContext.gestured = false;
    const va = h.start(A);
    const problems = problemsOf(va);
    h.start(B);
    h.start(C);
    await settle();
    expect(FakeAudio.made.filter((audio) => audio.srcObject !== null)).toHaveLength(6); // two per player
    expect(FakeAudio.made.some((audio) => audio.playing)).toBe(false);
    expect(problems).toEqual([BLOCKED]);
    // The click: the browser lets the page play sound from now on.
    FakeAudio.refusal = undefined;
    FakeAudioContext.gestured = true;
    h.gesture();
    await settle();
    expect(FakeAudio.made.filter((audio) => audio.srcObject !== null).every((audio) => audio.playing)).toBe(
      true,
    );
    expect(FakeAudioContext.made.length).toBeGreaterThan(0);
    expect(FakeAudioContext.made.every((context) => context.state === 'running')).toBe(true);
    expect(problems).toEqual([BLOCKED]);
  });

  it('a play() cut short by a new stream or a drop (AbortError) is no blocked playback', async () => {
    FakeAudio.refusal = 'AbortError';
    const va = h.start(A);
    const problems = problemsOf(va);
    h.start(B);
    h.start(C);
    await settle();
    expect(problems).toEqual([]);
  });

  it('a voice chat closed before the click starts nothing at it', async () => {
    FakeAudio.refusal = 'NotAllowedError';
    const voices = [h.start(A), h.start(B), h.start(C)];
    await settle();
    for (const voice of voices) voice.close();
    const plays = FakeAudio.made.map((audio) => audio.plays);
    FakeAudio.refusal = undefined;
    h.gesture();
    await settle();
    expect(FakeAudio.made.map((audio) => audio.plays)).toEqual(plays);
  });
});
