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

/** Asserts that the next attempt starts `ms` from now, not a millisecond sooner. */
async function expectNextAttemptIn(clock: ManualClock, ms: number) {
  const before = ScriptedPeerConnection.made.length;
  await settleAndAdvance(clock, ms - 1);
  expect(ScriptedPeerConnection.made).toHaveLength(before);
  await settleAndAdvance(clock, 1);
  expect(ScriptedPeerConnection.made).toHaveLength(before + 1);
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
    await expectNextAttemptIn(clock, 500);
    link.close();
  });

  it('backs off from 0.5 s to the full interval while handshakes keep failing at once', async () => {
    const clock = new ManualClock();
    const link = initiatingLink(clock);
    // Each failing at once: retried after 0.5, 1, 2, 4, 8 s, then 15 s (the interval) from there on.
    for (const [index, delay] of [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000].entries()) {
      ScriptedPeerConnection.made[index]!.fail();
      await expectNextAttemptIn(clock, delay);
    }
    link.close();
  });

  it('waits the full interval after an attempt that timed out', async () => {
    const clock = new ManualClock();
    const link = initiatingLink(clock);
    // The peer never answers: abandoned at the 5 s timeout, a missing path rather than a handshake.
    await settleAndAdvance(clock, 5_000);
    expect(link.failedAttempts).toBe(1);
    await expectNextAttemptIn(clock, 15_000);
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
    // after the full interval. That attempt fails at once: retried after 0.5 s again, as the first one.
    // (The link went 'relayed' sooner, as the path went quiet: the path is given up only at its death.)
    for (let waited = 0; link.direct !== undefined && waited < 60_000; waited += 100)
      await settleAndAdvance(clock, 100);
    expect(link.state).toBe('relayed');
    await settleAndAdvance(clock, 14_900);
    expect(ScriptedPeerConnection.made).toHaveLength(2);
    await settleAndAdvance(clock, 100);
    expect(ScriptedPeerConnection.made).toHaveLength(3);
    ScriptedPeerConnection.made[2]!.fail();
    await expectNextAttemptIn(clock, 500);
    link.close();
  });
});
