import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: A is the offering side of the pair, B the answering one.
const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

const isCandidate = (signal: unknown) => 'candidate' in ((signal as { voice?: object }).voice ?? {});

/**
 * `room.signal` throws OUTBOX_OVERFLOW while the session's outbox is full. Voice signals from the
 * browser's events and from voice's own timers: a throw there is uncaught (and the signal's work lost).
 * The attempt goes on under voice's retry logic instead, and voice connects once the outbox drains.
 */
describe('voice: signals refused by a full outbox', () => {
  it("the answering side's request for an offer throws nothing, and is asked again later", async () => {
    h.start(A);
    h.start(B);
    await settle();
    expect(h.linked(A, B)).toBe(true);
    h.clock.advance(60_000); // they talk a minute
    h.rooms.refuse = (from) => from === B;
    const bToA = h.network.connected(B, A);
    // B's connection dies: B asks A for an offer, from the browser's connectionstatechange event.
    expect(() => bToA?.fail()).not.toThrow();
    await settle();
    expect(h.linked(A, B)).toBe(false);
    h.rooms.refuse = () => false;
    h.clock.advance(1_000);
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });

  it('a request still to be asked again is dropped once an offer comes', async () => {
    h.start(A);
    h.start(B);
    await settle();
    h.clock.advance(60_000);
    h.rooms.refuse = (from) => from === B;
    const aToB = h.network.connected(A, B);
    h.network.connected(B, A)?.fail(); // B's request is refused: it would ask again in 1 s
    await settle();
    h.rooms.refuse = () => false;
    aToB?.fail(); // A offers anew by itself, and B answers
    await settle();
    expect(h.linked(A, B)).toBe(true);
    const asks = () => h.rooms.between(B, A).filter((s) => 'offerMe' in (s as { voice: object }).voice);
    const before = asks().length;
    // Asked now, the request would have A drop the connection both sides just made.
    h.clock.advance(60_000);
    await settle();
    expect(asks()).toHaveLength(before);
    expect(h.linked(A, B)).toBe(true);
  });

  it('a late ICE candidate refused throws nothing out of onicecandidate and costs only itself', async () => {
    h.start(A);
    h.start(B);
    await settle();
    expect(h.linked(A, B)).toBe(true);
    h.rooms.refuse = (from, _to, signal) => from === A && isCandidate(signal);
    const aToB = h.network.connected(A, B);
    const relay = { candidate: 'candidate:9 1 udp 1 127.0.0.1 6000 typ relay', sdpMid: '0' };
    // A candidate gathered late (a TURN allocation that took a while), from the browser's event.
    expect(() => aToB?.onicecandidate?.({ candidate: { toJSON: () => relay } })).not.toThrow();
    await settle();
    expect(h.network.connected(A, B)).toBe(aToB);
    expect(h.linked(A, B)).toBe(true);
  });

  it('an offer refused ends its attempt, sends none of its candidates, and the next attempt connects', async () => {
    const isDescription = (signal: unknown) => 'description' in ((signal as { voice?: object }).voice ?? {});
    h.rooms.refuse = (from, _to, signal) => from === A && isDescription(signal);
    h.start(A);
    h.start(B);
    await settle();
    expect(h.rooms.between(A, B).filter(isCandidate)).toEqual([]);
    h.rooms.refuse = () => false;
    h.clock.advance(1_000); // the offering side's first retry wait
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });
});
