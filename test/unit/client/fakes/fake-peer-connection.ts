import type { RtcPeerConnectionConstructor } from '../../../../src/transport/index.js';

interface FakeChannel {
  readyState: string;
  binaryType: string;
  bufferedAmount: number;
  onopen: (() => void) | null;
  onclose: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: unknown): void;
}

/**
 * A stand-in RTCPeerConnection that negotiates nothing: it records the configuration it was made with
 * (ICE servers, policy), offers and answers at once, and connects only when the test says so.
 */
export class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  readonly configuration: RTCConfiguration;
  readonly channels: FakeChannel[] = [];
  connectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onicecandidate: ((event: { candidate: null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  closed = false;

  constructor(configuration: RTCConfiguration = {}) {
    this.configuration = configuration;
    FakePeerConnection.made.push(this);
  }

  /** The constructor type the mesh takes. */
  static get ctor(): RtcPeerConnectionConstructor {
    return FakePeerConnection as unknown as RtcPeerConnectionConstructor;
  }

  static reset(): void {
    FakePeerConnection.made = [];
  }

  /** TURN credentials this connection was made with. */
  get credential(): string | undefined {
    return this.configuration.iceServers?.[0]?.credential as string | undefined;
  }

  createDataChannel(): FakeChannel {
    const channel: FakeChannel = {
      readyState: 'connecting',
      binaryType: 'arraybuffer',
      bufferedAmount: 0,
      onopen: null,
      onclose: null,
      onmessage: null,
      send() {},
    };
    this.channels.push(channel);
    return channel;
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'offer', sdp: 'v=0' };
  }

  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: 'v=0' };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (this.closed) throw new Error('InvalidStateError');
    this.localDescription = description;
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (this.closed) throw new Error('InvalidStateError');
    this.remoteDescription = description;
  }

  async addIceCandidate(): Promise<void> {}

  /** Every channel opens: the link is direct. */
  connect(): void {
    this.connectionState = 'connected';
    for (const channel of this.channels) {
      channel.readyState = 'open';
      channel.onopen?.();
    }
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }
}

/** Lets pending promise chains (offers, answers) settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
