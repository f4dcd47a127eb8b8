import type { DataChannel, PeerConnection, RtcConfig } from 'node-datachannel';
import type { Clock } from '../../common/index.js';
import {
  CHANNELS,
  Channel,
  DATAGRAM_QUEUE_LIMIT,
  DEFAULT_EVENT_LIFETIME_MS,
  type LinkState,
  type RtcSignal,
  type RtcSignaling,
} from '../../transport/core.js';
import { BYE, DEFAULT_KEEPALIVE_MS, LinkHeartbeat, toBytes } from '../../transport/keepalive.js';
import { KeepaliveLinkBase } from '../../transport/keepalive-link-base.js';
import { QualityMonitor } from '../../transport/quality/quality-monitor.js';
import { answerCandidatesWithin, hasIpAddress, MAX_REMOTE_CANDIDATES } from './remote-candidates.js';

/** The part of node-datachannel the server links use (its native API, lighter than the polyfill). */
export interface NativeRtc {
  PeerConnection: new (name: string, config: RtcConfig) => PeerConnection;
  /** Binds the ICE UDP mux port (throws if it cannot); see ServerLinks for why one is held. */
  IceUdpMuxListener: new (
    port: number,
    address?: string,
  ) => { stop(): void };
}

export interface NativeRtcLinkOptions {
  native: NativeRtc;
  /** Names the connection in node-datachannel's logs. */
  name: string;
  signaling: RtcSignaling;
  /**
   * The client's answer came: `true` once applied as the remote description, `false` if refused (not an
   * answer, or one the stack would not take). Called once: descriptions after the first are ignored,
   * whether it was applied or refused.
   */
  answered?: (accepted: boolean) => void;
  /** node-datachannel configuration: UDP mux port, bind address, ICE servers. */
  config: RtcConfig;
  /** Rewrites each local candidate before it is sent (announced addresses); may return several. */
  announce?: (candidate: string) => string[];
  /** The client opened a data channel in band (ours are all negotiated): closed at once, told here. */
  refusedChannel?: () => void;
  /** A text message on any channel (every channel of ours carries bytes): dropped unread, told here. */
  refusedText?: () => void;
  /**
   * A control frame the keepalive could not take (malformed, of no type it knows, or echoing a time this
   * end never sent): dropped, told here. An honest client's link sends none.
   */
  refusedControl?: () => void;
  /**
   * Each control frame from the client, before the keepalive reads it (a ping it read would be answered
   * with a pong): false drops it. The server's rate limit on what a player sends, this channel included.
   */
  admitControl?: (bytes: Uint8Array) => boolean;
  eventLifetimeMs?: number;
  keepaliveMs?: number;
  deadAfterMs?: number;
  clock: Clock;
}

/** The link's own keepalive and goodbye, on a fourth negotiated channel (as in RtcLink). */
const CONTROL_ID = 3;

function nativeInit(channel: Channel, eventLifetimeMs: number) {
  switch (channel) {
    case Channel.phys:
      return { negotiated: true, id: 0, unordered: true, maxRetransmits: 0 };
    case Channel.event:
      return { negotiated: true, id: 1, unordered: true, maxPacketLifeTime: eventLifetimeMs };
    case Channel.dispatch:
      return { negotiated: true, id: 2 };
  }
}

/**
 * The server's end of a player's direct link: node-datachannel's native PeerConnection, the same three
 * negotiated channels (plus control) as the browser's RtcLink, which it talks to. The server offers.
 * Its callbacks are registered before any channel exists, because creating the first channel starts the
 * offer at once; remote candidates wait for the remote description and are never added to a closed or
 * failed connection. The first description must be an answer the stack takes: anything else is refused
 * (reported to `answered`, whose owner ends the attempt).
 *
 * Its own candidates wait for that answer too, and the client is the DTLS client. ICE can come up without
 * the answer (the stack answers the client's checks from the offer's credentials alone), and a DTLS
 * handshake begun before the answer has no fingerprint to check the client's certificate against: it
 * failed ("unknown CA") and took the connection with it. On loopback, where a check outruns the answer's
 * trip through the WebSocket and the event loop, about one attempt in three failed so when the server
 * began the handshake; a loaded server's late event loop makes the same race on any network. Without the
 * server's candidates the client has nowhere to send a check, so nothing connects before the answer is
 * in. The server's checks then start first (it has the client's candidates from the answer), so its DTLS
 * end is listening when the client's first flight comes; as the DTLS client itself, the server would send
 * its first flight before the client's ICE was up, and that flight was lost to a 1 s retransmit.
 */
export class NativeRtcLink extends KeepaliveLinkBase {
  readonly #pc: PeerConnection;
  readonly #channels = new Map<Channel, DataChannel>();
  readonly #control: DataChannel;
  readonly #pendingCandidates: Array<{ candidate: string; mid: string }> = [];
  /** This end's candidates gathered before the answer was in, sent once it is (see the class). */
  #heldLocalCandidates: RtcSignal[] | undefined = [];
  readonly #signaling: RtcSignaling;
  readonly #waitingDispatch: Uint8Array[] = [];
  readonly #disposeSignaling: () => void;
  protected readonly heartbeat: LinkHeartbeat;
  readonly #answered: ((accepted: boolean) => void) | undefined;
  readonly #admitControl: ((bytes: Uint8Array) => boolean) | undefined;
  readonly #refusedText: (() => void) | undefined;
  readonly quality: QualityMonitor;
  #state: LinkState = 'connecting';
  #remoteSet = false;
  /** A description came from the client, taken or refused: the attempt's one answer (see `answered`). */
  #answerHeard = false;
  /** Remote candidates this attempt took, held or handed to the stack (see MAX_REMOTE_CANDIDATES). */
  #remoteCandidates = 0;

  constructor(options: NativeRtcLinkOptions) {
    super();
    this.#answered = options.answered;
    this.#signaling = options.signaling;
    this.#admitControl = options.admitControl;
    this.#refusedText = options.refusedText;
    // The client beats as often as this end does (both keep the links' default unless told otherwise).
    this.quality = new QualityMonitor({
      clock: options.clock,
      beatEveryMs: options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
    });
    this.heartbeat = new LinkHeartbeat({
      clock: options.clock,
      quality: this.quality,
      send: (bytes) => this.#sendControl(bytes),
      onGone: () => this.#shutdown(),
      onRtt: (ms) => {
        this.counters.rttMs = ms;
      },
      ...(options.refusedControl ? { refused: options.refusedControl } : {}),
      ...(options.keepaliveMs ? { keepaliveMs: options.keepaliveMs } : {}),
      ...(options.deadAfterMs ? { deadAfterMs: options.deadAfterMs } : {}),
    });
    const pc = new options.native.PeerConnection(options.name, options.config);
    this.#pc = pc;
    let disposeSignaling: (() => void) | undefined;
    try {
      pc.onLocalDescription((sdp, type) => {
        if (this.#state === 'closed') return;
        // The client takes the DTLS client role (see the class): it starts the handshake once its ICE is
        // up, which is after the server's, whose checks start as the answer is taken.
        const passive = sdp.replace(/a=setup:actpass/g, 'a=setup:passive');
        options.signaling.send({ description: { type: type as RTCSdpType, sdp: passive } });
      });
      pc.onLocalCandidate((candidate, mid) => {
        if (this.#state === 'closed') return;
        const line = candidate.startsWith('a=') ? candidate.slice(2) : candidate;
        for (const announced of options.announce?.(line) ?? [line]) {
          const signal = { candidate: { candidate: announced, sdpMid: mid } };
          if (this.#heldLocalCandidates) this.#heldLocalCandidates.push(signal);
          else this.#signaling.send(signal);
        }
      });
      pc.onStateChange((state) => {
        if (state === 'failed' || state === 'closed') this.#shutdown();
      });
      disposeSignaling = options.signaling.onSignal((signal) => this.#onSignal(signal));
      // Every channel of ours is negotiated: one the client opens in band is none of ours. Read until it is
      // closed, not left unread: the stack queues 1,024 messages for a channel nobody reads, then its worker
      // thread waits for room, holding the whole connection; closing that connection from here would then
      // wait for that thread for ever, with the event loop (every room, every player) frozen behind it.
      pc.onDataChannel((dc) => {
        try {
          dc.onMessage(() => {});
          dc.close();
        } catch {
          // closed under us already; thrown from the stack's callback, it would end the process
        }
        options.refusedChannel?.();
      });
      const lifetime = options.eventLifetimeMs ?? DEFAULT_EVENT_LIFETIME_MS;
      for (const channel of CHANNELS) {
        const dc = pc.createDataChannel(channel, nativeInit(channel, lifetime));
        dc.onMessage((data) => this.#onData(channel, data));
        dc.onOpen(() => this.#onChannelOpen());
        dc.onClosed(() => this.#shutdown());
        this.#channels.set(channel, dc);
      }
      this.#control = pc.createDataChannel('control', {
        negotiated: true,
        id: CONTROL_ID,
        unordered: true,
        maxRetransmits: 0,
      });
      this.#control.onMessage((data) => this.#onControl(data));
      this.#control.onOpen(() => this.#onChannelOpen());
    } catch (error) {
      // Made halfway (the stack refused a channel): nothing of it may outlive the throw. The connection
      // would hold its thread and port, and the signaling listener take the next attempt's signals.
      // Closed first: the callbacks the teardown sets off find the link closed and do nothing.
      this.#state = 'closed';
      disposeSignaling?.();
      for (const dc of this.#channels.values()) closeQuietly(dc);
      closeQuietly(pc);
      throw error;
    }
    this.#disposeSignaling = disposeSignaling;
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The selected candidate pair, e.g. to tell a direct path from a TURN one. */
  selectedPair(): ReturnType<PeerConnection['getSelectedCandidatePair']> {
    try {
      return this.#pc.getSelectedCandidatePair();
    } catch {
      return null;
    }
  }

  send(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#state === 'closed') return false;
    const dc = this.#channels.get(channel);
    if (!dc?.isOpen()) {
      if (channel !== Channel.dispatch) return false;
      this.#waitingDispatch.push(bytes);
      return true;
    }
    // A backed-up datagram channel drops new samples (see DATAGRAM_QUEUE_LIMIT): taken, and lost.
    // Counted as sent: the player's report then shows the drop as loss, which it is (queueing).
    if (channel !== Channel.dispatch && dc.bufferedAmount() > DATAGRAM_QUEUE_LIMIT) {
      this.counters.sendDrops++;
      this.quality.sent(bytes.length, channel === Channel.phys);
      return true;
    }
    try {
      // false means queued behind the congestion window, still to be sent: not a failure.
      dc.sendMessageBinary(bytes);
    } catch {
      return false; // closing under us: lost like a datagram; the close event follows
    }
    this.counters.messagesSent++;
    this.counters.bytesSent += bytes.length;
    this.quality.sent(bytes.length, channel === Channel.phys);
    return true;
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#sendControl(Uint8Array.of(BYE));
    this.#shutdown();
  }

  #onSignal(signal: RtcSignal): void {
    if (this.#state === 'closed') return;
    if ('description' in signal) {
      // One answer per attempt: after a refused one the owner ends the attempt, and a later answer must
      // not tell it `true` (or `false` again) meanwhile.
      if (this.#answerHeard) return;
      this.#answerHeard = true;
      const { sdp, type } = signal.description;
      // The server offers: only an answer will do, and one the stack takes (peer input).
      if (type !== 'answer' || !sdp || !this.#applyAnswer(this.#answerWithin(sdp))) {
        this.#answered?.(false);
        return;
      }
      this.#remoteSet = true;
      this.#answered?.(true);
      for (const { candidate, mid } of this.#pendingCandidates.splice(0)) this.#addCandidate(candidate, mid);
      const held = this.#heldLocalCandidates ?? [];
      this.#heldLocalCandidates = undefined;
      for (const local of held) this.#signaling.send(local);
      return;
    }
    const { candidate, sdpMid } = signal.candidate;
    if (!candidate) return; // end of candidates
    // Past the attempt's bound, or named rather than addressed: dropped (see remote-candidates.ts).
    if (this.#remoteCandidates >= MAX_REMOTE_CANDIDATES || !hasIpAddress(candidate)) return;
    this.#remoteCandidates++;
    const mid = sdpMid ?? '0';
    if (this.#remoteSet) this.#addCandidate(candidate, mid);
    else this.#pendingCandidates.push({ candidate, mid });
  }

  /** The answer's SDP with the candidate lines this attempt may still take; they count as taken. */
  #answerWithin(sdp: string): string {
    const within = answerCandidatesWithin(sdp, MAX_REMOTE_CANDIDATES - this.#remoteCandidates);
    this.#remoteCandidates += within.kept;
    return within.sdp;
  }

  #applyAnswer(sdp: string): boolean {
    try {
      this.#pc.setRemoteDescription(sdp, 'answer');
      return true;
    } catch {
      return false;
    }
  }

  /** A candidate the stack refuses (peer input) is dropped: the connection state tells the rest. */
  #addCandidate(candidate: string, mid: string): void {
    if (this.#state === 'closed') return;
    try {
      const state = this.#pc.state();
      if (state !== 'closed' && state !== 'failed') this.#pc.addRemoteCandidate(candidate, mid);
    } catch {
      // refused
    }
  }

  #onChannelOpen(): void {
    const allOpen = [...this.#channels.values(), this.#control].every((dc) => dc.isOpen());
    if (!allOpen || this.#state !== 'connecting') return;
    this.#state = 'direct';
    this.events.state('direct');
    for (const bytes of this.#waitingDispatch.splice(0)) this.send(Channel.dispatch, bytes);
    this.heartbeat.start();
  }

  #onData(channel: Channel, data: unknown): void {
    if (this.#state === 'closed') return;
    const bytes = toBytes(data);
    if (!bytes) {
      // Told, not only dropped: the owner's limits never saw it, so text was the one flood that cost
      // nothing and was read for ever.
      this.#refusedText?.();
      return;
    }
    this.heartbeat.heard();
    this.quality.received(bytes.length, channel === Channel.phys);
    this.counters.messagesReceived++;
    this.counters.bytesReceived += bytes.length;
    this.events.message(channel, bytes);
  }

  #onControl(data: unknown): void {
    if (this.#state === 'closed') return;
    const bytes = toBytes(data);
    if (!bytes) {
      this.#refusedText?.();
      return;
    }
    if (this.#admitControl?.(bytes) === false) {
      this.heartbeat.heard(); // refused, but the client is there
      return;
    }
    this.heartbeat.receive(bytes);
  }

  #sendControl(bytes: Uint8Array): void {
    try {
      if (this.#control.isOpen()) this.#control.sendMessageBinary(bytes);
    } catch {
      // closing: the keepalive or goodbye is moot
    }
  }

  #shutdown(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.heartbeat.stop();
    this.#disposeSignaling();
    this.events.state('closed');
    this.events.clear();
    // Native teardown after our own state is final: its callbacks find the link closed.
    setImmediate(() => {
      try {
        for (const dc of this.#channels.values()) dc.close();
        this.#control.close();
        this.#pc.close();
      } catch {
        // already closed
      }
    });
  }
}

/** Closes a native object that may be closed or broken already. */
function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch {
    // closed already
  }
}
