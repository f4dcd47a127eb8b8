import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: A is the offering side of the pair, B the answering one.
const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

const isAnswer = (signal: unknown) =>
  (signal as { voice?: { description?: { type?: string } } }).voice?.description?.type === 'answer';

describe('voice: the same answer delivered twice', () => {
  it('the copy, racing the first while the browser still applies it, is ignored: the attempt goes on', async () => {
    // Each answer from B reaches A twice, back to back (a relay that sent it again).
    h.rooms.hold = (from, to, signal) => {
      if (from === B && to === A && isAnswer(signal)) {
        const copy = structuredClone(signal);
        queueMicrotask(() => h.rooms.room(A).receiveSignal(B, copy));
      }
      return false;
    };
    h.start(A);
    h.start(B);
    await settle();
    expect(h.rooms.between(B, A).filter(isAnswer)).toHaveLength(1);
    expect(h.linked(A, B)).toBe(true);
    // The one attempt each side made is the one connected: none was ended and replaced.
    expect(h.network.connections.filter((pc) => pc.owner === A)).toHaveLength(1);
    h.clock.advance(60_000);
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(h.network.connections.filter((pc) => pc.owner === A)).toHaveLength(1);
  });

  it('a copy that comes after the first was applied is ignored too', async () => {
    h.start(A);
    h.start(B);
    await settle();
    expect(h.linked(A, B)).toBe(true);
    const [answer] = h.rooms.between(B, A).filter(isAnswer);
    h.rooms.room(A).receiveSignal(B, structuredClone(answer));
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(h.network.connections.filter((pc) => pc.owner === A)).toHaveLength(1);
  });
});
