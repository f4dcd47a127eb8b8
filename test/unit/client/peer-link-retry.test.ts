import { describe, expect, it } from 'vitest';
import { PeerLink } from '../../../src/client/mesh/peer-link.js';
import { ManualClock } from '../../../src/common/index.js';
import { createSimulatedLinkPair, type RtcPeerConnectionConstructor } from '../../../src/transport/index.js';

/** A stand-in RTCPeerConnection whose connection the test makes fail or come up. */
class ScriptedPeerConnection {
  static made: ScriptedPeerConnection[] = [];
  connectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onconnectionstatechange: (() => void) | null = null;
  onicecandidate: ((event: { candidate: null }) => void) | null = null;
  readonly channels: { readyState: string; onopen: (() => void) | null }[] = [];

  constructor() {
    ScriptedPeerConnection.made.push(this);
  }

  createDataChannel() {
    const channel = {
      readyState: 'connecting',
      binaryType: 'arraybuffer',
      bufferedAmount: 0,
      onopen: null as (() => void) | null,
      send() {},
    };
    this.channels.push(channel);
    return channel;
  }

  async createOffer() {
    return { type: 'offer', sdp: 'v=0' };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit) {
    this.localDescription = description;
  }

  close() {
    this.connectionState = 'closed';
  }

  /** The handshake fails (as a refused DTLS certificate does). */
  fail() {
    this.connectionState = 'failed';
    this.onconnectionstatechange?.();
  }
}

const rtc = { RTCPeerConnection: ScriptedPeerConnection as unknown as RtcPeerConnectionConstructor };

/** The initiating side of a peer link (the side that retries by itself); its peer never answers. */
function initiatingLink(clock: ManualClock) {
  ScriptedPeerConnection.made = [];
  const [relay] = createSimulatedLinkPair({ clock });
  return new PeerLink('peer', relay, {
    clock,
    rtc,
    initiator: true,
    sendSignal: () => {},
    directTimeoutMs: 5_000,
    retryDirectMs: 15_000,
  });
}

/** Lets the attempt's offer settle (its promises), then advances the clock. */
async function settleAndAdvance(clock: ManualClock, ms: number) {
  await Promise.resolve();
  await Promise.resolve();
  clock.advance(ms);
}

describe('PeerLink retries of failed direct attempts', () => {
  it('retries a handshake that failed at once after 0.5 s', async () => {
    const clock = new ManualClock();
    const link = initiatingLink(clock);
    expect(ScriptedPeerConnection.made).toHaveLength(1);
    await settleAndAdvance(clock, 30);
    ScriptedPeerConnection.made[0]!.fail();
    expect(link.failedAttempts).toBe(1);
    expect(link.state).toBe('relayed');
    await settleAndAdvance(clock, 499);
    expect(ScriptedPeerConnection.made).toHaveLength(1);
    await settleAndAdvance(clock, 1);
    expect(ScriptedPeerConnection.made).toHaveLength(2);
    link.close();
  });

  it('waits the full interval after a second fast failure, and after a timeout', async () => {
    const clock = new ManualClock();
    const link = initiatingLink(clock);
    ScriptedPeerConnection.made[0]!.fail();
    await settleAndAdvance(clock, 500);
    expect(ScriptedPeerConnection.made).toHaveLength(2);
    // The quick retry fails at once too: a peer that refuses every handshake is not hammered.
    ScriptedPeerConnection.made[1]!.fail();
    await settleAndAdvance(clock, 14_999);
    expect(ScriptedPeerConnection.made).toHaveLength(2);
    await settleAndAdvance(clock, 1);
    expect(ScriptedPeerConnection.made).toHaveLength(3);
    // This one never connects: abandoned at its timeout, retried after the full interval.
    await settleAndAdvance(clock, 5_000);
    expect(link.failedAttempts).toBe(3);
    await settleAndAdvance(clock, 14_999);
    expect(ScriptedPeerConnection.made).toHaveLength(3);
    await settleAndAdvance(clock, 1);
    expect(ScriptedPeerConnection.made).toHaveLength(4);
    link.close();
  });

  it('retries quickly again once the link was direct in between', async () => {
    const clock = new ManualClock();
    const link = initiatingLink(clock);
    ScriptedPeerConnection.made[0]!.fail();
    await settleAndAdvance(clock, 500);
    const second = ScriptedPeerConnection.made[1]!;
    for (const channel of second.channels) {
      channel.readyState = 'open';
      channel.onopen?.();
    }
    expect(link.state).toBe('direct');
    // The peer goes silent: the direct link is declared dead by its heartbeat, a slow failure, retried
    // after the full interval. That attempt fails at once: retried quickly, as the first one was.
    for (let waited = 0; link.state === 'direct' && waited < 60_000; waited += 100)
      await settleAndAdvance(clock, 100);
    expect(link.state).toBe('relayed');
    await settleAndAdvance(clock, 14_900);
    expect(ScriptedPeerConnection.made).toHaveLength(2);
    await settleAndAdvance(clock, 100);
    expect(ScriptedPeerConnection.made).toHaveLength(3);
    ScriptedPeerConnection.made[2]!.fail();
    await settleAndAdvance(clock, 500);
    expect(ScriptedPeerConnection.made).toHaveLength(4);
    link.close();
  });
});
