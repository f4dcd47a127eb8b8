import { describe, expect, it, vi } from 'vitest';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/**
 * A browser whose permission prompt stays open until `answer` is called, and is then dismissed or
 * blocked (getUserMedia rejects with NotAllowedError).
 */
function promptThatRefuses(): { answer: () => void } {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  vi.stubGlobal('navigator', {
    mediaDevices: {
      getUserMedia: async () => {
        await answered;
        throw new DOMException('Permission dismissed', 'NotAllowedError');
      },
    },
  });
  return { answer };
}

/**
 * The player asks for the microphone and, while the prompt is open, turns it off again (or leaves voice),
 * then dismisses the prompt. The app asked for that: like a stream that arrives late, the refusal is
 * `cancelled` (or `closed`) and no `problem` tells the player their permission was refused.
 */
describe('a microphone turned off while its permission prompt is open, then refused', () => {
  it('resolves cancelled after disableMicrophone(), with no problem', async () => {
    const voice = h.start(A);
    const problems: string[] = [];
    voice.on('problem', ({ message }) => problems.push(message));
    const prompt = promptThatRefuses();
    const pending = voice.enableMicrophone();
    voice.disableMicrophone();
    prompt.answer();
    expect(await pending).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(problems).toEqual([]);
  });

  it('resolves closed after close()', async () => {
    const voice = h.start(B);
    const prompt = promptThatRefuses();
    const pending = voice.enableMicrophone();
    voice.close();
    prompt.answer();
    expect(await pending).toMatchObject({ ok: false, reason: 'closed' });
  });
});
