import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VoiceChat } from '../../../src/client/voice/voice-chat.js';
import { FakeAudioContext } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';
const C = 'player-c';

const h = voiceHarnessEach([A, B, C]);

/** Long enough for Node to report an error or rejection nobody handled. */
const afterErrorsAreReported = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('voice: a `speaking` listener that closes voice while voice changes its peers', () => {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  beforeEach(() => {
    errors.length = 0;
    process.on('unhandledRejection', onError);
    process.on('uncaughtException', onError);
    vi.spyOn(console, 'error').mockImplementation((...args) => errors.push(args));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
  });

  /**
   * A's voice hearing B only (`near` decides), B speaking; A closes voice as soon as B stops. `others`:
   * the speaking detectors (each with its timer) of B's and C's voices, which stay.
   */
  async function closingOnSilence(near: () => string): Promise<{ va: VoiceChat; others: number }> {
    const va = h.start(A, { audible: (id) => id === near() });
    h.start(B, { audible: (id) => id === A });
    h.start(C, { audible: (id) => id === A });
    va.on('speaking', ({ peerId, speaking }) => {
      if (peerId === B && !speaking) va.close();
    });
    await settle();
    expect(h.linked(A, B)).toBe(true);
    FakeAudioContext.level = 0.1;
    vi.advanceTimersByTime(100); // the detector's first poll: B speaks
    expect(va.isSpeaking(B)).toBe(true);
    return { va, others: FakeAudioContext.running() - 1 };
  }

  /** Nothing of A's voice is left: no audio connection, timer, detector, nor an error. */
  async function expectNothingLeft({ va, others }: { va: VoiceChat; others: number }): Promise<void> {
    expect(va.closed).toBe(true);
    expect(h.network.open(A)).toHaveLength(0);
    expect(FakeAudioContext.running()).toBe(others);
    expect(vi.getTimerCount()).toBe(others);
    h.clock.advance(60_000); // a connect timeout or retry left behind would open a connection now
    await settle();
    expect(h.network.open(A)).toHaveLength(0);
    expect(h.rooms.between(A, C)).toEqual([]);
    await afterErrorsAreReported();
    expect(errors).toEqual([]);
  }

  it('refreshPeers drops the speaker for another peer, and the listener closes voice', async () => {
    let near = B;
    const a = await closingOnSilence(() => near);
    near = C;
    a.va.refreshPeers();
    await expectNothingLeft(a);
  });

  it('the speaker leaves the room, and the listener closes voice', async () => {
    const a = await closingOnSilence(() => B);
    h.rooms.room(A).applyMemberLeft(B, 'left');
    await expectNothingLeft(a);
  });

  it("a new attempt replaces the speaker's stream, and the listener closes voice", async () => {
    const a = await closingOnSilence(() => B);
    h.clock.advance(60_000);
    h.network.connected(A, B)?.fail();
    h.network.connected(B, A)?.fail();
    await settle();
    await expectNothingLeft(a);
  });
});
