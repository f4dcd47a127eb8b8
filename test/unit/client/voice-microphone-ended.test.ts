import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VoiceChat, VoiceEvents } from '../../../src/client/voice/voice-chat.js';
import { FakeAudioContext, type FakeTrack } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/** Every `microphone-lost` event of `voice`, in order. */
function lostEvents(voice: VoiceChat): Array<VoiceEvents['microphone-lost']> {
  const events: Array<VoiceEvents['microphone-lost']> = [];
  voice.on('microphone-lost', (event) => events.push(event));
  return events;
}

/** What A's audio connection to B sends now (null: silence). */
function sentToB(): unknown {
  return h.network.connected(A, B)?.transceivers[0]?.sender.track;
}

function track(index: number): FakeTrack {
  const made = h.microphone.tracks[index];
  if (!made) throw new Error(`no microphone track ${index}`);
  return made;
}

describe('voice: a microphone the browser ends (unplugged, permission withdrawn, device taken)', () => {
  it('is turned off as by disableMicrophone, and the app is told why', async () => {
    const voice = h.start(A);
    const lost = lostEvents(voice);
    expect(await voice.enableMicrophone()).toEqual({ ok: true });
    expect(FakeAudioContext.running()).toBe(1);
    track(0).end();
    expect(lost).toEqual([{ reason: 'ended', message: expect.stringContaining('microphone stopped') }]);
    expect(h.microphone.live()).toEqual([]);
    expect(FakeAudioContext.running()).toBe(0); // the speaking detector of our microphone
    expect(voice.isSpeaking(A)).toBe(false);
  });

  it('peers get silence instead of the ended track', async () => {
    const voice = h.start(A);
    h.start(B);
    await settle();
    await voice.enableMicrophone();
    await settle();
    expect(sentToB()).toBe(track(0));
    track(0).end();
    await settle();
    expect(h.linked(A, B)).toBe(true); // listening goes on
    expect(sentToB()).toBeNull();
  });

  it('enableMicrophone afterwards opens a new microphone and sends it', async () => {
    const voice = h.start(A);
    h.start(B);
    await settle();
    await voice.enableMicrophone();
    track(0).end();
    expect(await voice.enableMicrophone()).toEqual({ ok: true });
    await settle();
    expect(h.microphone.live()).toEqual([track(1)]);
    expect(sentToB()).toBe(track(1));
  });

  it('leaves no ended listener on a track it let go, and ignores its end', async () => {
    const voice = h.start(A);
    const lost = lostEvents(voice);
    await voice.enableMicrophone();
    expect(track(0).endedListeners.size).toBe(1);
    voice.disableMicrophone();
    expect(track(0).endedListeners.size).toBe(0);

    await voice.enableMicrophone();
    await voice.enableMicrophone(); // replaces track 1 with track 2
    expect(track(1).endedListeners.size).toBe(0);
    track(1).end(); // a let-go track ending must not turn off the open one
    expect(h.microphone.live()).toEqual([track(2)]);

    track(2).end();
    expect(track(2).endedListeners.size).toBe(0);
    await voice.enableMicrophone();
    voice.close();
    expect(track(3).endedListeners.size).toBe(0);
    expect(lost).toHaveLength(1);
  });
});

describe('voice: our speaking indicator goes off with the microphone', () => {
  /** Our microphone's speaking events, after it opened with someone speaking into it. */
  async function speakingIntoMicrophone(voice: VoiceChat): Promise<boolean[]> {
    const speaking: boolean[] = [];
    voice.on('speaking', (event) => {
      if (event.peerId === A) speaking.push(event.speaking);
    });
    FakeAudioContext.level = 0.1;
    await voice.enableMicrophone();
    vi.advanceTimersByTime(100); // the detector's first poll
    expect(voice.isSpeaking(A)).toBe(true);
    return speaking;
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when the browser ends the track mid-word', async () => {
    const voice = h.start(A);
    const speaking = await speakingIntoMicrophone(voice);
    track(0).end();
    expect(speaking).toEqual([true, false]);
    expect(voice.isSpeaking(A)).toBe(false);
  });

  it('when the app turns the microphone off mid-word', async () => {
    const voice = h.start(A);
    const speaking = await speakingIntoMicrophone(voice);
    voice.disableMicrophone();
    expect(speaking).toEqual([true, false]);
  });
});
