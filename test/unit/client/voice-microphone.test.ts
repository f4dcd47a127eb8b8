import { describe, expect, it } from 'vitest';
import { FakeAudioContext } from '../../support/fake-media.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/** Opens the permission prompt: getUserMedia waits until the returned function is called. */
function holdPrompt(): () => void {
  let release!: () => void;
  h.microphone.gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return release;
}

describe('voice: the microphone is never left on', () => {
  it('enabling the microphone again stops the stream and speaking detector opened before', async () => {
    const voice = h.start(A);
    expect(await voice.enableMicrophone()).toEqual({ ok: true });
    expect(await voice.enableMicrophone()).toEqual({ ok: true });
    expect(h.microphone.tracks).toHaveLength(2);
    expect(h.microphone.live()).toEqual([h.microphone.tracks[1]]);
    expect(FakeAudioContext.running()).toBe(1);
  });

  it('closing voice stops the microphone and every speaking detector', async () => {
    const voice = h.start(A);
    await voice.enableMicrophone();
    await voice.enableMicrophone();
    voice.close();
    expect(h.microphone.live()).toEqual([]);
    expect(FakeAudioContext.running()).toBe(0);
  });

  it('leaving the room while the permission prompt is open: the late stream is stopped, not kept', async () => {
    const voice = h.start(B);
    const release = holdPrompt();
    const pending = voice.enableMicrophone();
    h.rooms.room(B).applyLeft('left', 'left the room'); // closes the voice chat
    release();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, reason: 'closed' });
    expect(h.microphone.tracks).toHaveLength(1);
    expect(h.microphone.live()).toEqual([]);
    expect(FakeAudioContext.running()).toBe(0);
  });

  it('turning the microphone off while the prompt is open: the late stream is stopped', async () => {
    const voice = h.start(A);
    const release = holdPrompt();
    const pending = voice.enableMicrophone();
    voice.disableMicrophone();
    release();
    expect(await pending).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(h.microphone.live()).toEqual([]);
    expect(FakeAudioContext.running()).toBe(0);
  });

  it('asking twice while the prompt is open opens one microphone', async () => {
    const voice = h.start(A);
    const release = holdPrompt();
    const first = voice.enableMicrophone();
    const second = voice.enableMicrophone();
    release();
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect(h.microphone.tracks).toHaveLength(1);
    expect(h.microphone.live()).toHaveLength(1);
  });
});
