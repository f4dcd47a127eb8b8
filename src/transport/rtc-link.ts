import { type Clock, type Disposer, realClock } from '../common/index.js';
import {
  CHANNELS,
  Channel,
  DATAGRAM_QUEUE_LIMIT,
  DEFAULT_EVENT_LIFETIME_MS,
  dataChannelInit,
} from './channels.js';
import { BYE, DEFAULT_KEEPALIVE_MS, LinkHeartbeat, toBytes } from './keepalive.js';
import { KeepaliveLinkBase } from './keepalive-link-base.js';
import type { LinkState } from './link.js';
import { QualityMonitor, type QualityMonitorOptions } from './quality/quality-monitor.js';
import { MAX_EARLY_CANDIDATES, type RtcSignal, type RtcSignaling } from './rtc-signal.js';
import type { ConditionedPipe, Conditioner } from './simulated/conditioner.js';

/**
 * The part of RTCPeerConnection this package uses, for data links and voice: the browser's own and
 * node-datachannel's polyfill both provide it. (The whole DOM interface would not fit the polyfill, whose
 * `ondatachannel` takes its own event class. Every channel here is negotiated: RtcLink sets it only to
 * refuse the peer's own, through `InBandChannels`.)
 */
export interface RtcPeerConnectionLike {
  onicecandidate: RTCPeerConnection['onicecandidate'];
  onconnectionstatechange: RTCPeerConnection['onconnectionstatechange'];
  ontrack: RTCPeerConnection['ontrack'];
  readonly connectionState: RTCPeerConnectionState;
  readonly localDescription: RTCSessionDescription | null;
  readonly remoteDescription: RTCSessionDescription | null;
  createOffer(options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit>;
  createAnswer(options?: RTCAnswerOptions): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void>;
  createDataChannel(label: string, dataChannelDict?: RTCDataChannelInit): RTCDataChannel;
  addTransceiver(trackOrKind: MediaStreamTrack | string, init?: RTCRtpTransceiverInit): RTCRtpTransceiver;
  getTransceivers(): RTCRtpTransceiver[];
  getStats(selector?: MediaStreamTrack | null): Promise<RTCStatsReport>;
  close(): void;
}

export type RtcPeerConnectionConstructor = new (configuration?: RTCConfiguration) => RtcPeerConnectionLike;

export interface RtcLinkOptions {
  /** The browser's `RTCPeerConnection`, or node-datachannel's polyfill in Node. */
  RTCPeerConnection: RtcPeerConnectionConstructor;
  signaling: RtcSignaling;
  /**
   * Exactly one side offers; both sides derive it from the same fact (e.g. the lower player id), so a
   * link's first negotiation never collides.
   */
  role: 'offerer' | 'answerer';
  iceServers?: RTCIceServer[];
  /** 'relay' sends everything through TURN (hides addresses from the peer). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Extra settings for the RTCPeerConnection (node-datachannel needs `bindAddress` on loopback). */
  extraConfiguration?: Record<string, unknown>;
  /** Life of `event` messages in ms. Default 250. */
  eventLifetimeMs?: number;
  /** Keepalive period in ms. Default 1,000. */
  keepaliveMs?: number;
  /** Nothing heard for this long (ms) once connected: the peer is gone. Default 4,000. */
  deadAfterMs?: number;
  clock?: Clock;
  /** Thresholds and windows of the link's quality monitor. */
  quality?: Omit<QualityMonitorOptions, 'clock'>;
  /** A developer's network conditioner: impairs this link's traffic both ways (see Conditioner). */
  conditioner?: Conditioner;
}

/** The `ondatachannel` of the browser's RTCPeerConnection and the polyfill's, as far as RtcLink uses it. */
type InBandChannels = { ondatachannel?: ((event: { readonly channel: RTCDataChannel }) => void) | null };

/** A fourth negotiated channel for the link's own keepalive and goodbye. */
const CONTROL_INIT: RTCDataChannelInit = { negotiated: true, id: 3, ordered: false, maxRetransmits: 0 };

/**
 * A direct Link over WebRTC data channels, one per channel with the settings DESIGN.md gives, all
 * negotiated with fixed ids. `dispatch` messages sent before the channels open wait for them; `phys` and
 * `event` ones are dropped (stale by the time the link is up).
 */
export class RtcLink extends KeepaliveLinkBase {
  readonly #options: RtcLinkOptions;
  readonly #pc: RtcPeerConnectionLike;
  readonly #channels = new Map<Channel, RTCDataChannel>();
  #control: RTCDataChannel | undefined;
  readonly #pendingCandidates: RTCIceCandidateInit[] = [];
  readonly #waitingDispatch: Uint8Array[] = [];
  readonly #disposeSignaling: Disposer;
  protected readonly heartbeat: LinkHeartbeat;
  readonly #pipe: ConditionedPipe | undefined;
  readonly #clock: Clock;
  readonly quality: QualityMonitor;
  #state: LinkState = 'connecting';

  constructor(options: RtcLinkOptions) {
    super();
    this.#options = options;
    const clock = options.clock ?? realClock;
    this.#clock = clock;
    this.quality = new QualityMonitor({
      beatEveryMs: options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
      ...options.quality,
      clock,
    });
    this.#pipe = options.conditioner?.pipe(options.eventLifetimeMs);
    this.heartbeat = new LinkHeartbeat({
      clock,
      quality: this.quality,
      send: (bytes) => this.#sendControl(bytes),
      onGone: () => this.#shutdown(),
      onRtt: (ms) => {
        this.counters.rttMs = ms;
      },
      refused: () => this.#dropped(),
      ...(options.keepaliveMs ? { keepaliveMs: options.keepaliveMs } : {}),
      ...(options.deadAfterMs ? { deadAfterMs: options.deadAfterMs } : {}),
    });
    this.#pc = new options.RTCPeerConnection({
      iceServers: options.iceServers ?? [],
      ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
      ...options.extraConfiguration,
    } as RTCConfiguration);
    // Callbacks first: some stacks start gathering the moment a channel exists.
    this.#pc.onicecandidate = (event) => {
      // A candidate the stack gathered before the link closed can come after (node-datachannel delivers
      // its events from a queue): an attempt that is over sends nothing more to the peer, who may have left
      // the room by now (the server would refuse a signal to it: NOT_IN_ROOM).
      if (!event.candidate || this.#state === 'closed') return;
      try {
        options.signaling.send({ candidate: event.candidate.toJSON?.() ?? event.candidate });
      } catch {
        // The signaling path refused it (the session's outbox full: OUTBOX_OVERFLOW). Thrown from the
        // stack's event, it would end the process; lost, the attempt may fail for want of it, and the
        // link's owner tries again.
      }
    };
    this.#pc.onconnectionstatechange = () => {
      const state = this.#pc.connectionState;
      if (state === 'failed' || state === 'closed') this.#shutdown();
    };
    // Every channel of ours is negotiated: one the peer opened in band is nobody's to read, yet each would
    // hold its own SCTP stream and buffers and wake this page for every message on it (a hostile peer can
    // open hundreds). Closed at once and counted, as the server's direct links do.
    (this.#pc as InBandChannels).ondatachannel = (event) => {
      try {
        event.channel.close();
      } catch {
        // closed under us already; thrown from the stack's callback, it would end a Node process
      }
      this.#dropped();
    };
    this.#disposeSignaling = options.signaling.onSignal((signal) => void this.#onSignal(signal));
    if (options.role === 'offerer') {
      try {
        this.#createChannels();
      } catch (error) {
        // Made halfway (the stack refused a channel): nothing of it may outlive the throw, neither the
        // connection (its ports, its thread in Node) nor the signaling listener, which would take the
        // next attempt's signals.
        this.#shutdown();
        throw error;
      }
      void this.#offer();
    }
  }

  get state(): LinkState {
    return this.#state;
  }

  send(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#state === 'closed') return false;
    const dataChannel = this.#channels.get(channel);
    if (dataChannel?.readyState !== 'open') {
      if (channel !== Channel.dispatch) return false;
      this.#waitingDispatch.push(bytes);
      return true;
    }
    // A backed-up datagram channel drops new samples (see DATAGRAM_QUEUE_LIMIT): taken, and lost.
    // Counted as sent either way: the peer's report then shows the drop as loss, which it is.
    if (channel !== Channel.dispatch && dataChannel.bufferedAmount > DATAGRAM_QUEUE_LIMIT) {
      this.counters.sendDrops++;
      this.quality.sent(bytes.length, channel === Channel.phys);
      return true;
    }
    if (this.#pipe) {
      this.#count(channel, bytes);
      this.#sendLater(this.#pipe, channel, dataChannel, bytes);
      return true;
    }
    if (!this.#write(dataChannel, bytes)) return false;
    this.#count(channel, bytes);
    return true;
  }

  #count(channel: Channel, bytes: Uint8Array): void {
    this.counters.messagesSent++;
    this.counters.bytesSent += bytes.length;
    this.quality.sent(bytes.length, channel === Channel.phys);
  }

  #write(dataChannel: RTCDataChannel, bytes: Uint8Array): boolean {
    try {
      dataChannel.send(bytes as Uint8Array<ArrayBuffer>);
      return true;
    } catch {
      // The channel closed under us (its close event is on its way): the message is lost, like a
      // datagram; the link's state follows from the close.
      return false;
    }
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#sendControl(Uint8Array.of(BYE));
    this.#shutdown();
  }

  async #offer(): Promise<void> {
    try {
      const offer = await this.#pc.createOffer();
      await this.#pc.setLocalDescription(offer);
      this.#options.signaling.send({ description: this.#pc.localDescription?.toJSON?.() ?? offer });
    } catch {
      this.#shutdown();
    }
  }

  async #onSignal(signal: RtcSignal): Promise<void> {
    if (this.#state === 'closed') return;
    try {
      if ('description' in signal) {
        await this.#pc.setRemoteDescription(signal.description);
        // Remote candidates that raced ahead of the description can go in now. Each on its own: one the
        // stack refuses (a line it cannot parse) would otherwise lose the rest, and the offer's answer.
        for (const candidate of this.#pendingCandidates.splice(0)) {
          try {
            await this.#pc.addIceCandidate(candidate);
          } catch {
            // that one candidate is lost, as a late one refused is
          }
        }
        if (signal.description.type === 'offer') {
          try {
            this.#createChannels();
          } catch {
            // The stack refused a channel: no link can come of this connection. Closed, it is a failed
            // attempt to its owner, rather than one waiting for its timeout.
            this.#shutdown();
            return;
          }
          const answer = await this.#pc.createAnswer();
          await this.#pc.setLocalDescription(answer);
          this.#options.signaling.send({ description: this.#pc.localDescription?.toJSON?.() ?? answer });
        }
      } else if (this.#pc.remoteDescription) {
        await this.#pc.addIceCandidate(signal.candidate);
      } else if (this.#pendingCandidates.length < MAX_EARLY_CANDIDATES) {
        this.#pendingCandidates.push(signal.candidate);
      } else {
        this.#dropped();
      }
    } catch {
      // A candidate for a closed or failed connection, or a description the stack refused: the
      // connection state tells what became of the link.
    }
  }

  #createChannels(): void {
    if (this.#channels.size > 0) return;
    const lifetime = this.#options.eventLifetimeMs ?? DEFAULT_EVENT_LIFETIME_MS;
    for (const channel of CHANNELS) {
      const dataChannel = this.#pc.createDataChannel(channel, dataChannelInit(channel, lifetime));
      dataChannel.binaryType = 'arraybuffer';
      dataChannel.onmessage = (event) => this.#onData(channel, event.data);
      dataChannel.onopen = () => this.#onChannelOpen();
      dataChannel.onclose = () => this.#shutdown();
      this.#channels.set(channel, dataChannel);
    }
    const control = this.#pc.createDataChannel('control', CONTROL_INIT);
    control.binaryType = 'arraybuffer';
    control.onmessage = (event) => this.#onControl(event.data);
    control.onopen = () => this.#onChannelOpen();
    this.#control = control;
  }

  #onChannelOpen(): void {
    const allOpen = [...this.#channels.values(), this.#control].every(
      (channel) => channel?.readyState === 'open',
    );
    if (!allOpen || this.#state !== 'connecting') return;
    this.#setState('direct');
    for (const bytes of this.#waitingDispatch.splice(0)) this.send(Channel.dispatch, bytes);
    this.heartbeat.start();
  }

  #onData(channel: Channel, data: unknown): void {
    if (this.#state === 'closed') return;
    const bytes = toBytes(data);
    if (!bytes) {
      this.#dropped(); // text: every channel carries bytes
      return;
    }
    const pipe = this.#pipe;
    if (pipe && !pipe.idle) this.#holdBack(pipe, channel, bytes);
    else this.#deliver(channel, bytes);
  }

  /** Through the conditioner. Apart from `send`: its closure there made V8 allocate a context per send. */
  #sendLater(pipe: ConditionedPipe, channel: Channel, dataChannel: RTCDataChannel, bytes: Uint8Array): void {
    pipe.outbound(channel, bytes, (late) => this.#write(dataChannel, late));
  }

  /** A method of its own: its closure, in `#onData`, made V8 allocate a context for every message. */
  #holdBack(pipe: ConditionedPipe, channel: Channel, bytes: Uint8Array): void {
    pipe.inbound(channel, bytes.slice(), (late) => this.#deliver(channel, late));
  }

  #deliver(channel: Channel, bytes: Uint8Array): void {
    if (this.#state === 'closed') return;
    const now = this.#clock.now();
    this.heartbeat.heard(now);
    this.quality.received(bytes.length, channel === Channel.phys, now);
    this.counters.messagesReceived++;
    this.counters.bytesReceived += bytes.length;
    this.events.message(channel, bytes);
  }

  #onControl(data: unknown): void {
    if (this.#state === 'closed') return;
    const bytes = toBytes(data);
    if (!bytes) {
      this.#dropped();
      return;
    }
    if (!this.#pipe) this.heartbeat.receive(bytes);
    else
      this.#pipe.inbound('control', bytes.slice(), (late) => {
        if (this.#state !== 'closed') this.heartbeat.receive(late);
      });
  }

  /** Peer input this link could not use, counted where a developer sees it (`stats().droppedFrames`). */
  #dropped(): void {
    this.counters.droppedFrames++;
  }

  #sendControl(bytes: Uint8Array<ArrayBuffer>): void {
    const write = (frame: Uint8Array) => {
      try {
        if (this.#control?.readyState === 'open') this.#control.send(frame as Uint8Array<ArrayBuffer>);
      } catch {
        // closing: the keepalive or goodbye is moot
      }
    };
    // A goodbye goes at once: the link is closing and its held-back traffic with it.
    if (this.#pipe && bytes[0] !== BYE) this.#pipe.outbound('control', bytes, write);
    else write(bytes);
  }

  #shutdown(): void {
    if (this.#state === 'closed') return;
    this.heartbeat.stop();
    this.#pipe?.close();
    this.#disposeSignaling();
    this.#setState('closed');
    for (const channel of this.#channels.values()) channel.onclose = null;
    try {
      this.#pc.close();
    } catch {
      // already closed
    }
    this.events.clear();
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.events.state(state);
  }
}
