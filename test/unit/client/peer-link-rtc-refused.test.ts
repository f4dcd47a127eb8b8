import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import type { RtcPeerConnectionConstructor } from '../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom } from './fakes/fake-room.js';

const low = 'aaaaaaaa01';
const high = 'aaaaaaaa02';

/**
 * An RTCPeerConnection the browser refuses to make for the first `refusals` calls: as Chrome does past
 * its limit of connections, or for an ICE server URL it cannot parse (SyntaxError).
 */
function refusingCtor(refusals: number): { ctor: RtcPeerConnectionConstructor; calls: () => number } {
  let calls = 0;
  class Refusing extends FakePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      calls++;
      if (calls <= refusals) throw new SyntaxError("Failed to construct 'RTCPeerConnection'");
      super(configuration);
    }
  }
  return { ctor: Refusing as unknown as RtcPeerConnectionConstructor, calls: () => calls };
}

describe('a direct attempt whose RTCPeerConnection cannot be made', () => {
  it('leaves the link on the relay instead of throwing out of room.mesh()', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(low, [low, high], clock);
    const { ctor } = refusingCtor(Number.POSITIVE_INFINITY);
    const mesh = room.mesh({ rtc: { RTCPeerConnection: ctor } });
    await settle();
    const link = mesh.link(high);
    expect(link?.state).toBe('relayed');
    expect(link?.direct).toBeUndefined();
    expect(link?.failedAttempts).toBe(1);
    mesh.close();
  });

  it('is retried on the link’s schedule, from its timer, without throwing there', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(low, [low, high], clock);
    // The first attempt is made; the retry after its timeout is refused; the one after that is made.
    let made = 0;
    class SecondRefused extends FakePeerConnection {
      constructor(configuration?: RTCConfiguration) {
        made++;
        if (made === 2) throw new SyntaxError("Failed to construct 'RTCPeerConnection'");
        super(configuration);
      }
    }
    const mesh = room.mesh({
      rtc: { RTCPeerConnection: SecondRefused as unknown as RtcPeerConnectionConstructor },
      directTimeoutMs: 1_000,
      retryDirectMs: 2_000,
    });
    await settle();
    expect(made).toBe(1);
    // Past the first attempt's timeout and the retry: the refused one must not throw out of the timer.
    for (let i = 0; i < 10; i++) {
      expect(() => clock.advance(1_000)).not.toThrow();
      await settle();
    }
    // The refused attempt counted as a failure and the one after it was made.
    expect(made).toBeGreaterThanOrEqual(3);
    mesh.close();
  });

  it('answered from the polite side: the peer’s offer is dropped, nothing thrown to the room', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(high, [low, high], clock);
    const { ctor, calls } = refusingCtor(Number.POSITIVE_INFINITY);
    const mesh = room.mesh({ rtc: { RTCPeerConnection: ctor } });
    room.receiveSignal(low, { n: 1, o: true, signal: { description: { type: 'offer', sdp: 'v=0' } } });
    await settle();
    expect(calls()).toBe(1);
    expect(mesh.link(low)?.state).toBe('relayed');
    expect(mesh.link(low)?.failedAttempts).toBe(1);
    mesh.close();
  });
});
