import { describe, expect, it, vi } from 'vitest';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';

const h = voiceHarnessEach([A, 'player-b']);

/**
 * Browsers hide `navigator.mediaDevices` on a page that is not a secure context (plain http on anything
 * but localhost: a game server tried on the LAN by its address). Voice told the player their browser had
 * no voice chat, in the very browser that has it on https.
 */
describe('the microphone asked for on a page that is not secure (http)', () => {
  it("says the page needs https, not that the browser can't", async () => {
    const voice = h.start(A);
    const problems: string[] = [];
    voice.on('problem', ({ message }) => problems.push(message));
    vi.stubGlobal('navigator', {}); // as on http://192.168.1.20:8080
    vi.stubGlobal('isSecureContext', false);
    const result = await voice.enableMicrophone();
    expect(result).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(result.ok ? '' : result.message).toMatch(/https/);
    expect(problems).toEqual([result.ok ? '' : result.message]);
    expect(h.microphone.tracks).toHaveLength(0);
  });

  it('a secure page in a browser without getUserMedia: the browser has no voice', async () => {
    const voice = h.start(A);
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('isSecureContext', true);
    const result = await voice.enableMicrophone();
    expect(result).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(result.ok ? '' : result.message).not.toMatch(/https/);
  });

  it('a voice chat closed already says it was closed, as everywhere else, not that the page cannot', async () => {
    const voice = h.start(A);
    const problems: string[] = [];
    voice.on('problem', ({ message }) => problems.push(message));
    voice.close();
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('isSecureContext', false);
    expect(await voice.enableMicrophone()).toMatchObject({ ok: false, reason: 'closed' });
    expect(problems).toEqual([]);
  });
});
