import { ErrorCode } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: A is the offering side of the pair, B the answering one.
const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

describe('voice turned off and on again in the same room', () => {
  it('the room makes a new voice chat after close(), the same one while it is open, none once left', async () => {
    const room = h.rooms.room(A);
    const first = h.start(A);
    expect(room.voice()).toBe(first);
    expect(first.closed).toBe(false);
    first.close();
    expect(first.closed).toBe(true);
    const second = h.start(A, { maxPeers: 3 });
    expect(second).not.toBe(first);
    expect(second.closed).toBe(false);
    expect(room.voice()).toBe(second);
    room.applyLeft('left', 'left the room');
    expect(second.closed).toBe(true);
    expect(() => room.voice()).toThrow(expect.objectContaining({ code: ErrorCode.NOT_IN_ROOM }));
  });

  for (const [who, side] of [
    [A, 'offering'],
    [B, 'answering'],
  ] as const) {
    for (const after of ['at once', 'after a minute of talk'] as const) {
      it(`the ${side} side closes voice and opens it again ${after}: audio with the peer comes back`, async () => {
        const other = who === A ? B : A;
        const voices = { [A]: h.start(A), [B]: h.start(B) };
        await settle();
        expect(h.linked(A, B)).toBe(true);
        if (after !== 'at once') h.clock.advance(60_000); // past the room's 30 s replay of signals
        const old = voices[who]!;
        old.close();
        await settle();
        expect(h.network.open(who)).toEqual([]);
        expect(h.linked(A, B)).toBe(false);
        // The other side's voice stayed open: its connection to us still looks connected to it (a real
        // browser notices a closed peer only seconds later, when ICE gives up).
        const stale = h.network.open(other)[0];
        expect(stale?.connectionState).toBe('connected');

        h.start(who);
        await settle();
        // A connection that dies within 5 s of coming up is negotiated again after a 1 s wait.
        if (after === 'at once') h.clock.advance(1_000);
        await settle();
        expect(h.linked(A, B)).toBe(true);
        expect(h.network.connected(other, who)).not.toBe(stale);
        expect(stale?.closed).toBe(true);
        expect(h.network.open(A)).toHaveLength(1);
        expect(h.network.open(B)).toHaveLength(1);
      });
    }
  }

  it('closed twice and opened again: audio with the peer comes back each time', async () => {
    h.start(A);
    let mine = h.start(B);
    await settle();
    for (let round = 0; round < 3; round++) {
      h.clock.advance(7_000);
      mine.close();
      await settle();
      mine = h.start(B);
      await settle();
      expect(h.linked(A, B)).toBe(true);
    }
  });

  it('a closed voice chat stays inert beside the new one: no connection, nothing from joins or signals', async () => {
    const voice = h.start(A);
    h.start(B);
    await settle();
    voice.close();
    await settle();
    const made = h.network.connections.filter((pc) => pc.owner === A).length;
    // The new voice chat's connections are told apart by their owner's name.
    const renewed = h.start(A, { RTCPeerConnection: h.network.constructorFor('a-again') });
    expect(renewed).not.toBe(voice);
    await settle();
    expect(h.linked('a-again', B)).toBe(true);
    h.rooms.room(A).applyMemberJoined({ playerId: 'player-c', name: 'c', away: false });
    h.rooms.room(B).voice().retry();
    h.clock.advance(60_000);
    await settle();
    expect(h.network.connections.filter((pc) => pc.owner === A)).toHaveLength(made);
    expect(h.network.open(A)).toEqual([]);
    expect(h.linked('a-again', B)).toBe(true);
    expect(await voice.enableMicrophone()).toMatchObject({ ok: false, reason: 'closed' });
    expect(h.microphone.live()).toEqual([]);
  });

  it('the microphone opens in the voice chat made after close(); the closed one says it was closed', async () => {
    const old = h.start(A);
    old.close();
    const result = await old.enableMicrophone();
    expect(result).toMatchObject({ ok: false, reason: 'closed' });
    if (!result.ok) expect(result.message).toMatch(/close\(\)/);
    const voice = h.start(A);
    expect(await voice.enableMicrophone()).toEqual({ ok: true });
    expect(h.microphone.live()).toHaveLength(1);
  });
});
