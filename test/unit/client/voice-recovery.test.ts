import { describe, expect, it } from 'vitest';
import { FakeAudio, FakeAudioContext } from '../../support/fake-media.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: A is the offering side of the pair, B the answering one.
const A = 'player-a';
const B = 'player-b';

type VoiceSignalOnWire = { voice: { description?: { type: string }; candidate?: unknown }; n?: number };

const h = voiceHarnessEach([A, B]);

describe('voice recovery: a peer that was not listening still gets an offer', () => {
  it('an answerer that starts voice after the offers to it are gone asks for one, and connects', async () => {
    // A's offers are lost before B listens: B's voice starts past the room's 30 s replay window.
    let bListening = false;
    h.rooms.hold = (from) => from === A && !bListening;
    h.start(A);
    await settle();
    h.clock.advance(31_000);
    await settle();
    bListening = true;
    h.start(B);
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });

  it('proximity voice: the offerer re-adds the peer first, then the answerer: they connect again', async () => {
    let near = true;
    const va = h.start(A, { audible: () => near });
    const vb = h.start(B, { audible: () => near });
    await settle();
    expect(h.linked(A, B)).toBe(true);
    near = false;
    va.refreshPeers();
    vb.refreshPeers();
    near = true;
    va.refreshPeers(); // A's offer reaches B while B has no audio connection for A
    await settle();
    vb.refreshPeers();
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });

  it('proximity voice: the answerer re-adds the peer first, then the offerer: they connect again', async () => {
    let near = true;
    const va = h.start(A, { audible: () => near });
    const vb = h.start(B, { audible: () => near });
    await settle();
    near = false;
    va.refreshPeers();
    vb.refreshPeers();
    near = true;
    vb.refreshPeers();
    await settle();
    va.refreshPeers();
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });

  it('proximity voice: only the answerer drops and re-adds the peer: the offerer offers again', async () => {
    let bHearsA = true;
    h.start(A);
    const vb = h.start(B, { audible: () => bHearsA });
    await settle();
    h.clock.advance(60_000); // they talk for a minute
    bHearsA = false;
    vb.refreshPeers();
    bHearsA = true;
    vb.refreshPeers();
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });
});

describe('voice recovery: a connection that dies is negotiated again', () => {
  it('ICE failure on both sides after talking a while: a new attempt starts at once and connects', async () => {
    h.start(A);
    h.start(B);
    await settle();
    h.clock.advance(60_000); // they talk for a minute
    const [oldA, oldB] = [h.network.connected(A, B), h.network.connected(B, A)];
    oldA?.fail();
    oldB?.fail();
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(h.network.connected(A, B)).not.toBe(oldA);
    expect(oldA?.closed).toBe(true);
  });

  it('a connection lost right after it came up is retried after a wait, not hammered', async () => {
    h.start(A);
    h.start(B);
    await settle();
    h.network.connected(A, B)?.fail();
    h.network.connected(B, A)?.fail();
    await settle();
    expect(h.linked(A, B)).toBe(false);
    h.clock.advance(1_000);
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });

  it('ICE failure seen by the answerer only: it asks, and the offerer starts a new attempt', async () => {
    h.start(A);
    h.start(B);
    await settle();
    h.clock.advance(60_000);
    const oldB = h.network.connected(B, A);
    oldB?.fail();
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(h.network.connected(B, A)).not.toBe(oldB);
  });

  it('disconnected for a few seconds counts as failed; a shorter drop that ICE recovers does not', async () => {
    h.start(A);
    h.start(B);
    await settle();
    const first = h.network.connected(A, B);
    first?.disconnect();
    h.clock.advance(2_000);
    first?.reconnect(); // ICE found the path again by itself
    h.clock.advance(10_000);
    await settle();
    expect(h.network.connected(A, B)).toBe(first);
    first?.disconnect();
    h.network.connected(B, A)?.disconnect();
    h.clock.advance(2_000);
    await settle();
    expect(first?.closed).toBe(false); // still within the grace
    h.clock.advance(3_000);
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(h.network.connected(A, B)).not.toBe(first);
  });

  it('an offer that gets no answer is made again after a timeout, backing off', async () => {
    h.start(A); // B never starts voice
    await settle();
    const offers = () =>
      (h.rooms.between(A, B) as VoiceSignalOnWire[]).filter((s) => s.voice.description?.type === 'offer')
        .length;
    expect(offers()).toBe(1);
    h.clock.advance(10_000);
    await settle();
    h.clock.advance(1_000);
    await settle();
    expect(offers()).toBe(2);
    expect(h.network.open(A)).toHaveLength(1); // the unanswered attempt was closed
    h.clock.advance(10_000 + 2_000);
    await settle();
    expect(offers()).toBe(3);
  });

  it("while the network is down attempts fail; the browser's online event starts one at once", async () => {
    h.start(A);
    h.start(B);
    await settle();
    h.network.up = false;
    h.network.connected(A, B)?.fail();
    h.network.connected(B, A)?.fail();
    await settle();
    for (let i = 0; i < 4; i++) {
      h.clock.advance(20_000);
      await settle();
    }
    expect(h.linked(A, B)).toBe(false);
    h.network.up = true;
    h.goOnline();
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });
});

describe('voice recovery: attempts are numbered', () => {
  it('signals of an older attempt are ignored', async () => {
    h.start(A);
    h.start(B);
    await settle();
    const firstOffer = (h.rooms.between(A, B) as VoiceSignalOnWire[]).find(
      (s) => s.voice.description?.type === 'offer',
    );
    const firstCandidate = (h.rooms.between(A, B) as VoiceSignalOnWire[]).find((s) => s.voice.candidate);
    h.clock.advance(60_000);
    h.network.connected(A, B)?.fail();
    h.network.connected(B, A)?.fail();
    await settle();
    const current = h.network.connected(B, A);
    const answersBefore = (h.rooms.between(B, A) as VoiceSignalOnWire[]).length;
    h.rooms.room(B).receiveSignal(A, structuredClone(firstOffer));
    h.rooms.room(B).receiveSignal(A, structuredClone(firstCandidate));
    await settle();
    expect(h.network.open(B)).toEqual([current]);
    expect(current?.addedCandidates).not.toContainEqual(firstCandidate?.voice.candidate);
    expect(h.rooms.between(B, A)).toHaveLength(answersBefore);
    expect(h.linked(A, B)).toBe(true);
  });

  it('a peer that numbers nothing (an older client) still gets answered', async () => {
    h.start(B);
    await settle();
    // A plays an older client by hand: one offer, no attempt number.
    const OldPeerConnection = h.network.constructorFor(A);
    const old = new OldPeerConnection();
    old.addTransceiver('audio', { direction: 'sendrecv' });
    const offer = await old.createOffer();
    await old.setLocalDescription(offer);
    const answers: RTCSessionDescriptionInit[] = [];
    h.rooms.room(A).on('signal', ({ signal }) => {
      const description = (signal as VoiceSignalOnWire).voice.description;
      if (description) answers.push(description as RTCSessionDescriptionInit);
    });
    h.rooms.room(B).receiveSignal(A, { voice: { description: offer } });
    await settle();
    expect(answers.map((answer) => answer.type)).toEqual(['answer']);
    await old.setRemoteDescription(answers[0] as RTCSessionDescriptionInit);
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });
});

describe('voice: a new attempt plays where the old one did', () => {
  it("the peer's audio element (and its volume) is kept; the old stream's detector stops", async () => {
    const va = h.start(A);
    h.start(B);
    await settle();
    h.clock.advance(60_000);
    va.setVolume(B, 0.3);
    const audio = FakeAudio.made.find((element) => element.volume === 0.3);
    const before = audio?.srcObject;
    expect(FakeAudio.made).toHaveLength(2); // one per side
    h.network.connected(A, B)?.fail();
    h.network.connected(B, A)?.fail();
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect(FakeAudio.made).toHaveLength(2);
    expect(audio?.volume).toBe(0.3);
    expect(audio?.srcObject).not.toBe(before);
    expect(FakeAudioContext.running()).toBe(2); // one detector per side, for the current stream
  });
});
