import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VoiceChat } from '../../../src/client/voice/voice-chat.js';
import { FakeAudioContext } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

describe('voice: a peer who stops being heard mid-word gets `speaking: false`', () => {
  /** B's speaking events at A, after B's voice reached A with B speaking. */
  async function bSpeakingAtA(va: VoiceChat): Promise<boolean[]> {
    const events: boolean[] = [];
    va.on('speaking', ({ peerId, speaking }) => {
      if (peerId === B) events.push(speaking);
    });
    await settle();
    expect(h.linked(A, B)).toBe(true);
    FakeAudioContext.level = 0.1;
    vi.advanceTimersByTime(100); // the detector's first poll
    expect(va.isSpeaking(B)).toBe(true);
    return events;
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when the peer leaves the room', async () => {
    const va = h.start(A);
    h.start(B);
    const events = await bSpeakingAtA(va);
    h.rooms.room(A).applyMemberLeft(B, 'left');
    expect(events).toEqual([true, false]);
    expect(va.isSpeaking(B)).toBe(false);
  });

  it('when proximity voice drops the peer', async () => {
    let near = true;
    const va = h.start(A, { audible: () => near });
    h.start(B);
    const events = await bSpeakingAtA(va);
    near = false;
    va.refreshPeers();
    expect(events).toEqual([true, false]);
  });

  it('when a new attempt replaces the connection (and its stream)', async () => {
    const va = h.start(A);
    h.start(B);
    const events = await bSpeakingAtA(va);
    h.clock.advance(60_000);
    h.network.connected(A, B)?.fail();
    h.network.connected(B, A)?.fail();
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(events).toEqual([true, false]); // the new stream's detector has not polled yet
    vi.advanceTimersByTime(100);
    expect(events).toEqual([true, false, true]);
  });

  it('when voice closes', async () => {
    const va = h.start(A);
    h.start(B);
    const events = await bSpeakingAtA(va);
    va.close();
    expect(events).toEqual([true, false]);
  });
});
