import type { RtcPeerConnectionConstructor } from '../../src/transport/index.js';

/**
 * A stand-in for the browser's audio RTCPeerConnection, enough for voice's signaling and recovery logic.
 * Two connections "connect" when each holds the other's description (an SDP line names its maker) and
 * the network is up; tests then make a connection fail or drop, or hold the network down. Operations
 * settle a few microtasks later, as a browser's queued operations do, so a close can land mid-negotiation.
 */
export class FakeVoiceNetwork {
  readonly connections: FakeAudioConnection[] = [];
  /** While false, no connection comes up (an ICE path that never answers). */
  up = true;
  /**
   * When set, createOffer and replaceTrack wait for it, as a busy browser's queued operations do: a test
   * closes a connection meanwhile.
   */
  gate: Promise<void> | undefined;
  #nextId = 1;

  /** An RTCPeerConnection class whose connections belong to `owner` (a player id, for the test's eyes). */
  constructorFor(owner: string): RtcPeerConnectionConstructor {
    const network = this;
    return class extends FakeAudioConnection {
      constructor() {
        super(network, owner, network.#nextId++);
      }
    } as unknown as RtcPeerConnectionConstructor;
  }

  /** `owner`'s connections that are not closed. */
  open(owner: string): FakeAudioConnection[] {
    return this.connections.filter((pc) => pc.owner === owner && !pc.closed);
  }

  /** The open, connected connection from `owner` to `peer`, if there is one. */
  connected(owner: string, peer: string): FakeAudioConnection | undefined {
    return this.open(owner).find(
      (pc) => pc.connectionState === 'connected' && pc.remotePeer?.owner === peer && !pc.remotePeer.closed,
    );
  }

  byId(id: number): FakeAudioConnection | undefined {
    return this.connections.find((pc) => pc.id === id);
  }
}

interface FakeSender {
  track: MediaStreamTrack | null;
  /** The encoding parameters last set (`maxBitrate`: the sending cap, bits/s). */
  encodings: Array<{ maxBitrate?: number }>;
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
  getParameters(): { encodings: Array<{ maxBitrate?: number }> };
  setParameters(parameters: unknown): Promise<void>;
}

interface FakeTransceiver {
  direction: string;
  sender: FakeSender;
  receiver: { track: { kind: string } };
}

/** Lets a browser-like operation settle after the caller's next few awaits, so a close can overtake it. */
const later = async () => {
  for (let i = 0; i < 3; i++) await Promise.resolve();
};

export class FakeAudioConnection {
  readonly network: FakeVoiceNetwork;
  readonly owner: string;
  readonly id: number;
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  /** As the browser's: an answer is taken only in 'have-local-offer' (a second one is refused). */
  signalingState: RTCSignalingState = 'stable';
  closed = false;
  readonly addedCandidates: RTCIceCandidateInit[] = [];
  readonly transceivers: FakeTransceiver[] = [];
  onicecandidate: ((event: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ontrack: ((event: { track: unknown; streams: unknown[] }) => void) | null = null;

  constructor(network: FakeVoiceNetwork, owner: string, id: number) {
    this.network = network;
    this.owner = owner;
    this.id = id;
    network.connections.push(this);
  }

  get remotePeer(): FakeAudioConnection | undefined {
    const match = /a=fake-id:(\d+)/.exec(this.remoteDescription?.sdp ?? '');
    return match ? this.network.byId(Number(match[1])) : undefined;
  }

  addTransceiver(kind: string, init: { direction: string }): FakeTransceiver {
    const sender: FakeSender = {
      track: null,
      replaceTrack: async (track) => {
        if (this.network.gate) await this.network.gate;
        await later();
        this.#throwIfClosed();
        sender.track = track;
      },
      encodings: [{}],
      getParameters: () => ({ encodings: sender.encodings.map((encoding) => ({ ...encoding })) }),
      setParameters: async (parameters) => {
        await later();
        this.#throwIfClosed();
        sender.encodings = (parameters as { encodings: Array<{ maxBitrate?: number }> }).encodings;
      },
    };
    const transceiver = { direction: init.direction, sender, receiver: { track: { kind } } };
    this.transceivers.push(transceiver);
    return transceiver;
  }

  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    if (this.network.gate) await this.network.gate;
    await later();
    this.#throwIfClosed();
    return { type: 'offer', sdp: this.#sdp() };
  }

  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    await later();
    this.#throwIfClosed();
    return { type: 'answer', sdp: this.#sdp() };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await later();
    this.#throwIfClosed();
    this.localDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
    // Gathering starts now; browsers report candidates after the call resolves.
    queueMicrotask(() => {
      if (this.closed) return;
      const candidate = {
        candidate: `candidate:${this.id} 1 udp 1 127.0.0.1 ${5000 + this.id} typ host`,
        sdpMid: '0',
      };
      this.onicecandidate?.({ candidate: { toJSON: () => candidate } });
      this.#tryConnect();
    });
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await later();
    this.#throwIfClosed();
    if (description.type === 'answer' && this.signalingState !== 'have-local-offer') {
      throw new DOMException(
        `cannot set a remote answer in state ${this.signalingState}`,
        'InvalidStateError',
      );
    }
    this.remoteDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
    if (description.type === 'offer' && this.transceivers.length === 0) {
      this.addTransceiver('audio', { direction: 'recvonly' });
    }
    const track = { kind: 'audio', id: `remote-of-${this.id}` };
    this.ontrack?.({ track, streams: [{ id: `stream-of-${this.id}`, getAudioTracks: () => [track] }] });
    this.#tryConnect();
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await later();
    this.#throwIfClosed();
    if (!this.remoteDescription) throw new DOMException('no remote description', 'InvalidStateError');
    this.addedCandidates.push(candidate);
  }

  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }

  /** ICE gave up (the path died and did not come back). */
  fail(): void {
    this.#setState('failed');
  }

  /** ICE lost the path for now; browsers may still recover it by themselves. */
  disconnect(): void {
    this.#setState('disconnected');
  }

  /** ICE found the path again by itself. */
  reconnect(): void {
    this.#setState('connected');
  }

  #setState(state: RTCPeerConnectionState): void {
    if (this.closed) return;
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  #tryConnect(): void {
    const peer = this.remotePeer;
    if (!this.network.up || !peer || peer.closed || this.closed) return;
    if (!this.localDescription || !peer.localDescription || peer.remotePeer !== this) return;
    for (const pc of [this, peer]) if (pc.connectionState !== 'connected') pc.#setState('connected');
  }

  #sdp(): string {
    return `v=0\r\na=fake-id:${this.id}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n`;
  }

  #throwIfClosed(): void {
    if (this.closed) throw new DOMException('the connection is closed', 'InvalidStateError');
  }
}
