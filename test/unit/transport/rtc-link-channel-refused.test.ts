import { ManualClock } from 'vehikill-net/server';
import { RtcLink, type RtcPeerConnectionConstructor, type RtcSignal } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/** An RTCPeerConnection whose stack refuses to make a data channel (out of SCTP streams, a closed stack). */
class RefusingPeerConnection {
  static made: RefusingPeerConnection[] = [];
  onicecandidate: unknown = null;
  onconnectionstatechange: unknown = null;
  ondatachannel: unknown = null;
  connectionState = 'new';
  remoteDescription: unknown = null;
  closed = false;
  constructor() {
    RefusingPeerConnection.made.push(this);
  }
  createDataChannel(): object {
    throw new Error('OperationError: no more data channels');
  }
  async setRemoteDescription(description: unknown): Promise<void> {
    this.remoteDescription = description;
  }
  async createOffer(): Promise<object> {
    return { type: 'offer', sdp: 'v=0' };
  }
  async createAnswer(): Promise<object> {
    return { type: 'answer', sdp: 'v=0' };
  }
  async setLocalDescription(): Promise<void> {}
  async addIceCandidate(): Promise<void> {}
  close(): void {
    this.closed = true;
  }
}

function linkOptions(role: 'offerer' | 'answerer') {
  let listening = 0;
  let deliver: ((signal: RtcSignal) => void) | undefined;
  const options = {
    RTCPeerConnection: RefusingPeerConnection as unknown as RtcPeerConnectionConstructor,
    role,
    clock: new ManualClock(),
    signaling: {
      send: () => {},
      onSignal: (listener: (signal: RtcSignal) => void) => {
        listening++;
        deliver = listener;
        return () => {
          listening--;
        };
      },
    },
  };
  return { options, listening: () => listening, deliver: (signal: RtcSignal) => deliver?.(signal) };
}

describe('an RtcLink whose stack refuses its data channels', () => {
  it('offering, throws from its constructor and leaves no connection open and no signaling listener', () => {
    RefusingPeerConnection.made = [];
    const { options, listening } = linkOptions('offerer');
    expect(() => new RtcLink(options)).toThrow(/no more data channels/);
    expect(RefusingPeerConnection.made).toHaveLength(1);
    expect(RefusingPeerConnection.made[0]?.closed).toBe(true);
    expect(listening()).toBe(0);
  });

  it('answering, closes once the offer comes, so its owner takes the attempt as failed', async () => {
    RefusingPeerConnection.made = [];
    const { options, listening, deliver } = linkOptions('answerer');
    const link = new RtcLink(options);
    const states: string[] = [];
    link.onState((state) => states.push(state));
    deliver({ description: { type: 'offer', sdp: 'v=0' } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(link.state).toBe('closed');
    expect(states).toEqual(['closed']);
    expect(RefusingPeerConnection.made[0]?.closed).toBe(true);
    expect(listening()).toBe(0);
  });
});
