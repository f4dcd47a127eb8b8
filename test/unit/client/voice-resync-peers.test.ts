import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';
import { member } from './fakes/fake-room.js';

const [A, B, C, D, E] = ['player-a', 'player-b', 'player-c', 'player-d', 'player-e'] as const;
/** Sorts after D, as E does: it takes E's place on the ring of ids (see chooseVoicePeers). */
const E2 = 'player-e2';

const h = voiceHarnessEach([A, B, C, D, E]);

describe('voice after a resync: the peers are chosen once, for the room the resync brings', () => {
  it('near maxPeers, a member gone and one new open no connection to a peer of neither room', async () => {
    // With maxPeers 2, D hears its two neighbours on the ring of ids: C and E, then C and E2.
    const voice = h.start(D, { maxPeers: 2 });
    await settle();
    expect(voice.unheard()).toEqual([A, B]);
    // While D was away E left and E2 joined. Between the two, the ring A B C D would give D C and A.
    h.rooms.room(D).applyState({}, [member(A), member(B), member(C), member(D), member(E2)]);
    expect(voice.unheard()).toEqual([A, B]);
    await settle();
    // D answers A (the lower id offers): any voice with A would have started with a request for an offer.
    expect(h.rooms.between(D, A)).toEqual([]);
    expect(h.rooms.between(D, E2)).not.toEqual([]);
  });

  it('a member found in a new seating gets a new audio connection', async () => {
    const seated = (seating: number) => [
      member(A),
      { ...member(B), seating },
      member(C),
      member(D),
      member(E),
    ];
    const va = h.start(A);
    h.start(B);
    h.rooms.room(A).applyState({}, seated(1)); // the seatings as a server that numbers them says
    await settle();
    expect(h.linked(A, B)).toBe(true);
    const before = h.network.connected(A, B);
    // Connections waiting for an answer: A offers (the lower id offers), to C, D and E in vain.
    const offering = () => h.network.open(A).filter((pc) => pc.remoteDescription === null).length;
    const offeringBefore = offering();
    // While A was away B left and came back: its audio connection belongs to the seating that ended.
    h.rooms.room(A).applyState({}, seated(2));
    expect(before?.closed).toBe(true);
    expect(va.unheard()).toEqual([]);
    expect(offering()).toBe(offeringBefore + 1); // a new one to B
  });
});
