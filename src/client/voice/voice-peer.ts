import type { Cancel, Clock, Disposer, TokenBucket } from '../../common/index.js';
import { VoiceConnection, type VoiceConnectionOptions } from './voice-connection.js';
import type { VoiceSignal } from './voice-signal.js';

/**
 * What every attempt's connection is made with (see VoiceConnectionOptions); `offerer` is true on the
 * side that makes every offer, which both sides compute the same way (the lower id). `bitrate` and
 * `packetMs` are the first ones: `setAudio` changes them as the room grows or shrinks.
 */
type ConnectionSettings = Pick<
  VoiceConnectionOptions,
  'RTCPeerConnection' | 'iceTransportPolicy' | 'offerer' | 'bitrate' | 'packetMs'
>;

export interface VoicePeerOptions extends ConnectionSettings {
  clock: Clock;
  /**
   * The ICE servers for an attempt starting now, read at each attempt: TURN credentials expire (the
   * client keeps the room's fresh), so ones copied when the peer was added would be refused later.
   */
  iceServers(): RTCIceServer[];
  /**
   * The newest attempt an earlier VoicePeer to the same peer reached (proximity voice drops and re-adds
   * peers). Numbers must not start again below it: the peer, still on it, would take our new offers
   * for stale ones. Default 0.
   */
  lastAttempt?: number;
  /**
   * How many of the peer's offers (on the offering side, its requests for one) this side may still act
   * on (see peer-offer-budget.ts). Given, not made here: the voice chat keeps it across a proximity drop
   * and a leave and rejoin (see KeptOfferBudgets).
   */
  peerOffers: TokenBucket;
  /** May throw when the room refuses it (the session's outbox full: OUTBOX_OVERFLOW). */
  sendSignal(signal: VoiceSignal): void;
  onSignal(listener: (signal: VoiceSignal) => void): Disposer;
  onRemoteStream(stream: MediaStream): void;
  /**
   * The browser refused to make an attempt's RTCPeerConnection (past Chrome's limit of connections, or
   * an ICE server URL it cannot parse): `name` is its error's. The attempt counts as failed.
   */
  onRefused(name: string): void;
}

/** An attempt not connected by then is replaced by a new one (ms): covers an offer nobody answered. */
const CONNECT_TIMEOUT_MS = 10_000;
/** 'disconnected' for this long counts as failed; ICE often gets a shorter drop back by itself (ms). */
const DISCONNECTED_GRACE_MS = 4_000;
/**
 * A connection that had been up this long and then died met a network blip: the next attempt starts
 * at once. Attempts that end sooner (never connected, or lost at once) are retried after 1, 2, 4... s,
 * up to MAX_RETRY_MS, so that a peer that never answers (its player has no voice) or a handshake that
 * always fails is not hammered with offers.
 */
const STABLE_MS = 5_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * The audio path to one peer, negotiated again whenever it breaks, like the mesh's PeerLink. Each
 * attempt is a fresh RTCPeerConnection (a VoiceConnection) with a number carried by all its signals,
 * so signals of older attempts are ignored. Only the offering side offers; it tries again when an
 * attempt does not connect in time, fails, stays disconnected, or the network comes back (`retry`).
 * The answering side asks for an offer (`offerMe`) when it starts without one, when its connection
 * dies, and when the network comes back: the offerer's signals may have gone to nobody meanwhile (a
 * peer that started voice late, or re-added the offerer in proximity voice after its offer went out).
 */
export class VoicePeer {
  readonly #options: VoicePeerOptions;
  /** Opus settings for the current attempt and the next ones (see `setAudio`). */
  #bitrate = 0;
  #packetMs: number | undefined;
  readonly #disposeSignal: Disposer;
  #attempt = 0;
  #connection: VoiceConnection | undefined;
  #connectedAt = 0;
  #track: MediaStreamTrack | null = null;
  /** The connect timeout, disconnected grace or retry wait now running: one at a time. */
  #timer: Cancel | undefined;
  /** Attempts in a row that ended before they were stable. */
  #failures = 0;
  /** The answering side's request for an offer, to be asked again: the room refused it. */
  #cancelAsk: Cancel | undefined;
  /** Requests for an offer refused in a row. */
  #refusedAsks = 0;
  #started = false;
  #closed = false;
  /** See VoicePeerOptions' `peerOffers`. */
  readonly #peerOffers: TokenBucket;
  /** Offers from the peer, and its requests for one, ignored for coming too fast. */
  ignoredOffers = 0;

  constructor(options: VoicePeerOptions) {
    this.#options = options;
    this.#bitrate = options.bitrate;
    this.#packetMs = options.packetMs;
    this.#attempt = options.lastAttempt ?? 0;
    this.#peerOffers = options.peerOffers;
    this.#disposeSignal = options.onSignal((signal) => this.#onSignal(signal));
  }

  /** The newest attempt this side made or followed. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The peer's offer budget, for the voice chat to keep when it drops this peer. */
  get peerOffers(): TokenBucket {
    return this.#peerOffers;
  }

  /**
   * Goes: the offering side offers; the answering side asks for an offer unless one came already (the
   * room replays recent signals to a voice chat that starts after its peers, before this is called).
   */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    if (this.#options.offerer) this.#newAttempt();
    else if (!this.#connection) this.#askForOffer();
  }

  /** The network came back (the browser's `online` event): negotiate again now, unless connected. */
  retry(): void {
    if (!this.#started || this.#closed || this.#connection?.state === 'connected') return;
    if (this.#options.offerer) this.#newAttempt();
    else this.#askForOffer();
  }

  /** Sends this track (or silence with `null`) to the peer, in this attempt and the ones after. */
  setTrack(track: MediaStreamTrack | null): Promise<void> {
    this.#track = track;
    return this.#connection?.setTrack(track) ?? Promise.resolve();
  }

  /**
   * New Opus settings (the room grew or shrank). The bitrate caps what the current connection sends at
   * once; the packet duration needs a negotiation, and so comes with the next attempt.
   */
  setAudio(bitrate: number, packetMs: number): void {
    if (bitrate === this.#bitrate && packetMs === this.#packetMs) return;
    this.#packetMs = packetMs;
    if (bitrate === this.#bitrate) return;
    this.#bitrate = bitrate;
    void this.#connection?.setBitrate(bitrate);
  }

  /** The current connection's stats (inbound audio packets, levels); undefined between attempts. */
  stats(): Promise<RTCStatsReport> | undefined {
    return this.#connection?.stats();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.();
    this.#cancelAsk?.();
    this.#disposeSignal();
    this.#connection?.close();
  }

  #onSignal({ voice, n }: VoiceSignal): void {
    if (this.#closed) return;
    if ('offerMe' in voice) {
      if (this.#options.offerer) this.#onOfferRequest(n ?? 0);
      return;
    }
    const isOffer = 'description' in voice && voice.description.type === 'offer';
    if (isOffer && !this.#options.offerer) {
      // An older client numbers nothing and makes one offer per connection: each is a new attempt.
      const attempt = n ?? this.#attempt + 1;
      if (attempt < this.#attempt || (attempt === this.#attempt && this.#connection)) return; // stale, or a copy
      if (!this.#peerOffers.take(this.#options.clock.now())) {
        this.ignoredOffers++;
        return;
      }
      void this.#open(attempt)?.receive(voice);
      return;
    }
    // Only the offering side offers, and only it takes answers. The rest belongs to the current attempt
    // (an older client's, unnumbered, too).
    const forOurRole = this.#options.offerer ? !isOffer : !('description' in voice);
    if (forOurRole && (n === undefined || n === this.#attempt)) void this.#connection?.receive(voice);
  }

  /** The answering side has no working connection; `seen` is the newest attempt it knows of. */
  #onOfferRequest(seen: number): void {
    if (!this.#started) return; // start() will offer anyway
    // A request costs this side signals too (its offer and candidates sent again, or a new attempt): on
    // the same budget as the peer's offers, or one signal from the peer would buy several of ours, and
    // the server would cut this side off for going over its budget towards the peer.
    if (!this.#peerOffers.take(this.#options.clock.now())) {
      this.ignoredOffers++;
      return;
    }
    const connection = this.#connection;
    if (seen < this.#attempt) {
      // It has not seen our newest attempt. Waiting out a retry: it has just come, so try now. Our offer
      // unanswered: it crossed the request, or reached the peer before it listened; a copy is harmless.
      // Answered: the request crossed our offer, which the peer then answered.
      if (!connection) this.#newAttempt();
      else if (!connection.answered) connection.resend();
      return;
    }
    // It saw our newest attempt and has nothing working from it. (A number above ours means our count
    // started again: go on past theirs.) Without a connection the retry wait is running: let it.
    this.#attempt = seen;
    if (connection) this.#ended(connection);
  }

  #newAttempt(): void {
    const connection = this.#open(this.#attempt + 1);
    if (!connection) return; // refused: the wait for the next attempt is running
    this.#timer = this.#options.clock.setTimeout(() => this.#ended(connection), CONNECT_TIMEOUT_MS);
  }

  /**
   * Replaces the current connection with a new one for `attempt`. Undefined when the browser refused to
   * make it: that attempt is over as a failed one. Not thrown: this runs from timers and the peer's signals.
   */
  #open(attempt: number): VoiceConnection | undefined {
    this.#timer?.();
    // An offer came: a request asked now would have the offerer drop the attempt this one answers.
    this.#cancelAsk?.();
    this.#cancelAsk = undefined;
    this.#connection?.close();
    this.#connection = undefined;
    this.#attempt = attempt;
    let connection: VoiceConnection;
    try {
      connection = this.#connect(attempt);
    } catch (error) {
      this.#options.onRefused((error as { name?: string } | undefined)?.name ?? 'Error');
      this.#next(false);
      return undefined;
    }
    this.#connection = connection;
    void connection.setTrack(this.#track);
    return connection;
  }

  #connect(attempt: number): VoiceConnection {
    const connection: VoiceConnection = new VoiceConnection({
      RTCPeerConnection: this.#options.RTCPeerConnection,
      iceServers: this.#options.iceServers(),
      ...(this.#options.iceTransportPolicy ? { iceTransportPolicy: this.#options.iceTransportPolicy } : {}),
      offerer: this.#options.offerer,
      bitrate: this.#bitrate,
      ...(this.#packetMs ? { packetMs: this.#packetMs } : {}),
      send: (signal) => this.#options.sendSignal({ voice: signal, n: attempt }),
      onRemoteStream: (stream) => this.#options.onRemoteStream(stream),
      onState: (state) => this.#onState(connection, state),
      onBroken: () => this.#ended(connection),
    });
    return connection;
  }

  #onState(connection: VoiceConnection, state: RTCPeerConnectionState): void {
    if (connection !== this.#connection) return;
    if (state === 'connected') {
      this.#timer?.();
      this.#connectedAt = this.#options.clock.now();
    } else if (state === 'failed') {
      this.#ended(connection);
    } else if (state === 'disconnected') {
      this.#timer?.();
      this.#timer = this.#options.clock.setTimeout(() => this.#ended(connection), DISCONNECTED_GRACE_MS);
    }
  }

  /** The attempt is over: not connected in time, failed, disconnected too long, or refused by the stack. */
  #ended(connection: VoiceConnection): void {
    if (connection !== this.#connection || this.#closed) return;
    this.#timer?.();
    connection.close();
    this.#connection = undefined;
    this.#next(connection.everConnected && this.#options.clock.now() - this.#connectedAt >= STABLE_MS);
  }

  /**
   * After an attempt that is over (`wasStable`: it had been up a while): the answering side asks for an
   * offer; the offering side offers again, at once after a stable one, else after its backoff.
   */
  #next(wasStable: boolean): void {
    if (!this.#options.offerer) {
      this.#askForOffer();
      return;
    }
    this.#failures = wasStable ? 0 : this.#failures + 1;
    if (this.#failures === 0) {
      this.#newAttempt();
      return;
    }
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.#failures - 1));
    this.#timer = this.#options.clock.setTimeout(() => this.#newAttempt(), delay);
  }

  #askForOffer(): void {
    this.#cancelAsk?.();
    this.#cancelAsk = undefined;
    try {
      this.#options.sendSignal({ voice: { offerMe: true }, n: this.#attempt });
      this.#refusedAsks = 0;
    } catch {
      // The room refused it (the session's outbox full). Thrown here it would be uncaught (this runs from
      // timers and the stack's events), and the offerer, unaware, may never offer again: ask again later,
      // backing off as the offering side's retries do, unless an offer comes first or we connect.
      this.#refusedAsks++;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.#refusedAsks - 1));
      this.#cancelAsk = this.#options.clock.setTimeout(() => {
        this.#cancelAsk = undefined;
        if (!this.#closed && this.#connection?.state !== 'connected') this.#askForOffer();
      }, delay);
    }
  }
}
