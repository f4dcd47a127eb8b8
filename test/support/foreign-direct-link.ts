/**
 * The direct path of the server link, written from docs/protocol.md alone ("The server link", "The link
 * keepalive"), as a native client would write it with its platform's WebRTC library: node-datachannel's
 * W3C polyfill here, bound to loopback. Nothing of the library is imported; the signals travel on the
 * foreign client's WebSocket (test/support/foreign-client.ts).
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { Body, ForeignClient, Frame } from './foreign-client.js';

/** The two signaling kinds of the "Message kinds" table. */
export const LinkSignalToServer = 0x29;
export const LinkSignalFromServer = 0x3a;

/** "the link channels of peer links: 0 `phys`, 1 `event`, 2 `dispatch`, 3 the link's own control frames". */
export const LINK_CHANNELS = [
  { label: 'phys', id: 0, init: { ordered: false, maxRetransmits: 0 } },
  { label: 'event', id: 1, init: { ordered: false, maxPacketLifeTime: 250 } },
  { label: 'dispatch', id: 2, init: {} },
  { label: 'control', id: 3, init: { ordered: false, maxRetransmits: 0 } },
] as const;

/** `[6, f64 sentAt, f64 echo, f32 heldMs, u32 datagramsSent, u16 lossOfYours]`, big-endian, 27 bytes. */
export interface Beat {
  sentAt: number;
  echo: number;
  heldMs: number;
  datagramsSent: number;
  lossOfYours: number;
}

export function encodeBeat(beat: Beat): Uint8Array<ArrayBuffer> {
  const view = new DataView(new ArrayBuffer(27));
  view.setUint8(0, 6);
  view.setFloat64(1, beat.sentAt);
  view.setFloat64(9, beat.echo);
  view.setFloat32(17, beat.heldMs);
  view.setUint32(21, beat.datagramsSent);
  view.setUint16(25, beat.lossOfYours);
  return new Uint8Array(view.buffer);
}

export function readBeat(bytes: Uint8Array): Beat | undefined {
  if (bytes.length !== 27 || bytes[0] !== 6) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    sentAt: view.getFloat64(1),
    echo: view.getFloat64(9),
    heldMs: view.getFloat32(17),
    datagramsSent: view.getUint32(21),
    lossOfYours: view.getUint16(25),
  };
}

export const now = () => performance.timeOrigin + performance.now();

/** A message that came on the direct path: its channel's id and its bytes. */
export interface DirectMessage {
  id: number;
  bytes: Uint8Array;
}

/**
 * The client's end of one direct attempt: answers the server's offer, trickles candidates both ways, and
 * opens the four negotiated channels. Everything received is kept in `received`, in arrival order.
 */
export class ForeignDirectLink {
  readonly pc: RTCPeerConnection;
  readonly channels = new Map<number, RTCDataChannel>();
  readonly received: DirectMessage[] = [];
  readonly sentCandidates: Body[] = [];
  readonly heardCandidates: Body[] = [];
  #attempt: number | undefined;
  #remoteSet = false;
  readonly #early: RTCIceCandidateInit[] = [];
  #read = 0;
  #closed = false;
  /** Channels the server announced in band: none, its channels are all negotiated. */
  inBand = 0;

  constructor(readonly client: ForeignClient) {
    // Loopback only: the server's link is bound to 127.0.0.1 too. (`bindAddress` is node-datachannel's.)
    this.pc = new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration);
    this.pc.ondatachannel = () => {
      this.inBand++;
    };
    this.pc.onicecandidate = (event) => {
      const candidate = event.candidate;
      if (!candidate || this.#attempt === undefined) return;
      const s = {
        candidate: { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined },
      };
      this.sentCandidates.push(s);
      client.sendReliable(LinkSignalToServer, { n: this.#attempt, s });
    };
  }

  /** Reads the server's signals that came since the last call: the offer (answered), then candidates. */
  async pump(): Promise<void> {
    const frames = this.client.frames;
    // A closed attempt's end reads no more: a later offer is the next attempt's.
    while (!this.#closed && this.#read < frames.length) {
      const frame = frames[this.#read++]!;
      if (frame.kind === LinkSignalFromServer) await this.#signal(frame);
    }
  }

  async #signal(frame: Frame): Promise<void> {
    const n = frame.body.n as number;
    const s = frame.body.s as {
      description?: { type: RTCSdpType; sdp: string };
      candidate?: RTCIceCandidateInit;
    };
    if (s.description) {
      if (s.description.type !== 'offer') throw new Error(`expected an offer, got ${s.description.type}`);
      this.#attempt = n;
      await this.pc.setRemoteDescription(s.description);
      this.#remoteSet = true;
      for (const { label, id, init } of LINK_CHANNELS) {
        // Negotiated: both ends make the channel with the same id, nothing is announced in band.
        const channel = this.pc.createDataChannel(label, { ...init, negotiated: true, id });
        channel.binaryType = 'arraybuffer';
        channel.onmessage = (event: MessageEvent) => {
          const data = event.data as ArrayBuffer | string;
          const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
          this.received.push({ id, bytes });
        };
        this.channels.set(id, channel);
      }
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      // "the client answers without them (it must not wait for them first)"
      const sdp = this.pc.localDescription?.sdp ?? answer.sdp!;
      this.client.sendReliable(LinkSignalToServer, { n, s: { description: { type: 'answer', sdp } } });
      for (const early of this.#early.splice(0)) await this.pc.addIceCandidate(early);
    } else if (s.candidate) {
      this.heardCandidates.push(s);
      if (this.#remoteSet) await this.pc.addIceCandidate(s.candidate);
      else this.#early.push(s.candidate);
    }
  }

  get attempt(): number | undefined {
    return this.#attempt;
  }

  /** Every channel open. */
  get open(): boolean {
    return LINK_CHANNELS.every(({ id }) => this.channels.get(id)?.readyState === 'open');
  }

  send(id: number, bytes: Uint8Array<ArrayBuffer>): void {
    this.channels.get(id)!.send(bytes);
  }

  close(): void {
    this.#closed = true;
    for (const channel of this.channels.values()) channel.close();
    this.pc.close();
  }
}
