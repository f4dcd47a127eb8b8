import { type Clock, type Disposer, Emitter } from '../../common/index.js';
import { MAX_PEER_DATA_BYTES } from '../../protocol/index.js';
import {
  Channel,
  type Conditioner,
  FailoverLink,
  RELAY_CONTROL,
  RelayLink,
  RtcLink,
  type RtcPeerConnectionConstructor,
  type RtcSignal,
} from '../../transport/index.js';
import type { SyncSeating } from '../sync/synced-state.js';

const SETTLED = Promise.resolve();

/** 'prefer': direct when it can be had, TCP mode otherwise; 'require': datagrams only direct; 'off'. */
export type ServerLinkMode = 'prefer' | 'require' | 'off';

export interface ServerLinkSettings {
  mode?: ServerLinkMode;
  /**
   * Default: `globalThis.RTCPeerConnection` (the browser's). Node has none: pass node-datachannel's
   * polyfill there, or the link stays in TCP mode.
   */
  RTCPeerConnection?: RtcPeerConnectionConstructor;
  /** Extra RTCPeerConnection settings (node-datachannel wants `bindAddress` on loopback). */
  extraConfiguration?: Record<string, unknown>;
  /**
   * The direct path heard nothing from the server for this long (ms, above 0): what the client sends
   * (inputs) goes in TCP mode, and the link says `'relayed'`, while the path stays open; anything heard on
   * it again brings it back. Default 1,500; `Infinity`: only when the path is given up (`directDeadMs`).
   * The server judges its own end the same way (its `serverLink.directQuietMs`).
   */
  directQuietMs?: number;
  /** The direct path heard nothing from the server for this long (ms): it is given up. Default 4,000. */
  directDeadMs?: number;
}

/** Which path carries the server link right now. */
export type ServerLinkPath = 'direct' | 'tcp' | 'none';

export interface ServerLinkPort {
  clock: Clock;
  /** Sends a batch of messages on one channel over the WebSocket (DatagramToServer). */
  sendDatagrams(
    channelNumber: number,
    payloads: Uint8Array[],
    messageClass: 'volatile' | 'expiring' | 'reliable',
    ttlMs?: number,
  ): void;
  /** Sends a LinkSignalToServer. */
  sendSignal(body: { n: number; s?: RtcSignal; retry?: true }): void;
  iceServers(): RTCIceServer[];
  /** Whether the session's socket is open (sequenced sends made meanwhile wait for a replay). */
  connected?(): boolean;
  /** The developer's network conditioner, applied to both paths. */
  conditioner?: Conditioner;
  /** The room the client sits in, for the snapshots it takes (see `ClientServerLink.seating`). */
  seating?(): SyncSeating | undefined;
}

/**
 * The client's end of its link to the server: the server offers a direct WebRTC link (datagrams over
 * UDP); until it is up, or when it fails, the same Link carries on over the WebSocket in TCP mode.
 * There, `phys` messages (inputs) are all delivered, batched: those sent in one turn of the event loop
 * leave in one frame; nothing is repeated, since TCP already retransmits.
 */
export class ClientServerLink extends FailoverLink {
  readonly mode: ServerLinkMode;
  readonly #port: ServerLinkPort;
  readonly #settings: ServerLinkSettings;
  readonly #ctor: RtcPeerConnectionConstructor | undefined;
  readonly #tcp: RelayLink;
  readonly #signals = new Emitter<{ signal: RtcSignal }>();
  readonly #sessionEnds = new Emitter<{ end: undefined }>();
  /** Volatile messages waiting for the end of this turn, by wire channel: phys (0) and control (3). */
  readonly #batches: Record<0 | 3, Uint8Array[]> = { 0: [], 3: [] };
  readonly #spares: Record<0 | 3, Uint8Array[]> = { 0: [], 3: [] };
  #flushScheduled = false;
  /** Made once: a closure per queued turn would be garbage on every input. */
  readonly #flushAtEndOfTurn = () => this.#flush();
  #attempt = 0;
  readonly #early: Array<{ n: number; signal: RtcSignal }> = [];
  /** The server said it makes direct links (its welcome). */
  offered = false;
  /**
   * The largest message the server's link takes from this client, any channel (its welcome's
   * `linkMessageBytes`; 16 KiB unless the server set less). A larger one is refused at the call: the server
   * would drop it as a fault against the session, and twenty of those end it.
   */
  maxMessageBytes = MAX_PEER_DATA_BYTES;

  constructor(port: ServerLinkPort, settings: ServerLinkSettings = {}) {
    const batch = (channel: 0 | 3, bytes: Uint8Array) => this.#queue(channel, bytes);
    const tcp = new RelayLink(
      'server',
      {
        clock: port.clock,
        send: (channel, bytes, messageClass, ttlMs) => {
          // Phys and the keepalive's beats are volatile: batched.
          if (channel === 0 || channel === RELAY_CONTROL) batch(channel, bytes);
          else port.sendDatagrams(channel, [bytes], messageClass, ttlMs);
        },
      },
      // The session's own heartbeat watches the socket: this one never closes the path; its keepalive (a
      // 27-byte beat a second) measures the path's quality: round trip, jitter, stale samples dropped.
      // It runs while there is a session (welcomed() to resetSession()): this link outlives sessions,
      // and a timer of its own would keep a closed client alive.
      {
        physIntervalMs: 0,
        keepaliveMs: 1_000,
        deadAfterMs: Number.POSITIVE_INFINITY,
        keepaliveAtOnce: false,
        ...(port.conditioner ? { conditioner: port.conditioner } : {}),
      },
    );
    super(
      port.clock,
      tcp,
      {},
      settings.directQuietMs === undefined ? {} : { quietAfterMs: settings.directQuietMs },
    );
    this.#tcp = tcp;
    this.#port = port;
    this.#settings = settings;
    this.mode = settings.mode ?? 'prefer';
    this.#ctor =
      settings.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: RtcPeerConnectionConstructor }).RTCPeerConnection;
  }

  /**
   * The room the client sits in and whether a join is on its way: a `SyncedState` on this link applies
   * only that room's snapshots (each names the membership it was sent for). Undefined when not known.
   */
  seating(): SyncSeating | undefined {
    return this.#port.seating?.();
  }

  /**
   * Calls `listener` when the client's session ends (it expired, the client moved to another node, or
   * it closed), before the client's `session-expired`, `moved` or `closed` event: a `SyncedState` on this
   * link lets go of what it held of that session, which no snapshot will speak of again. Not on a resume.
   */
  onSessionEnd(listener: () => void): Disposer {
    return this.#sessionEnds.on('end', listener);
  }

  /** Whether this side asks the server for a direct link (mode and WebRTC allow it). */
  get wantsDirect(): boolean {
    return this.mode !== 'off' && this.#ctor !== undefined;
  }

  get path(): ServerLinkPath {
    const state = this.state;
    return state === 'direct' ? 'direct' : state === 'relayed' ? 'tcp' : 'none';
  }

  /**
   * In 'require' mode, only `dispatch` may use the WebSocket: datagrams wait for the direct path. A
   * message over the server's `maxMessageBytes` is refused on either path. (One over 16 KiB is refused on
   * every FailoverLink: the server takes none larger, and the direct path's SCTP would carry one byte
   * more, since the server announces its limit plus one to tell a cut message from a whole one.)
   */
  override send(channel: Channel, bytes: Uint8Array): boolean {
    return this.#mayCarry(channel, bytes.length) && super.send(channel, bytes);
  }

  /**
   * As `send` the tag and body joined. The same check first: in TCP mode the fallback's own
   * `sendTagged` carries it, which never passes through `send`, so in 'require' mode a datagram went
   * over the WebSocket.
   */
  override sendTagged(channel: Channel, tag: number, body: Uint8Array): boolean {
    return this.#mayCarry(channel, 1 + body.length) && super.sendTagged(channel, tag, body);
  }

  #mayCarry(channel: Channel, length: number): boolean {
    if (length > this.maxMessageBytes) return false;
    return channel === Channel.dispatch || this.mode !== 'require' || this.state === 'direct';
  }

  /** The goodbye the TCP path sends as it closes leaves now, not at the end of the turn. */
  override close(): void {
    super.close();
    this.#flush();
  }

  /** Asks the server to try a direct link now (e.g. the network came back). */
  retryDirect(): void {
    if (!this.wantsDirect || !this.offered || this.state === 'direct' || this.state === 'closed') return;
    try {
      this.#port.sendSignal({ n: this.#attempt, retry: true });
    } catch {
      // The session's outbox is full (OUTBOX_OVERFLOW): this runs from the `online` event, where a throw
      // helps nobody. The server retries by itself, and at once on the resume that follows.
    }
  }

  /**
   * @internal The session ended (lost, moved or closed): the server's end of the link went with it, its
   * direct path and its dispatch stream. The next session's link starts from scratch on both ends: attempt
   * numbers and dispatch sequence numbers from the start, nothing of the old session carried over.
   */
  resetSession(): void {
    // The stream first: dropping a direct path that is up resends what the stream holds unacked, over the
    // WebSocket, where it would wait for the next session. Its stream numbers from 1 too: the old frames
    // were taken for its messages, and its own of the same numbers dropped as duplicates.
    this.renewDispatch();
    this.#dropDirect();
    this.#tcp.stopKeepalive();
    this.#sessionEnds.emit('end', undefined);
  }

  /**
   * @internal The session's socket is gone (the client is reconnecting): neither path reaches the server
   * now (the server holds an away player's direct path shut too), and `quality` says so at once, poor and
   * silent, until the server is heard again, however little was heard of it before.
   */
  away(): void {
    this.#tcp.quality.outage();
    const direct = this.direct;
    if (direct instanceof RtcLink) direct.quality.outage();
  }

  /**
   * @internal The server said no direct link comes of its attempts for now (SERVER_LINK_UNAVAILABLE: it
   * gave up, or its stack could not make one): an attempt of ours not direct yet is over. The server sends
   * its candidates only once it has taken an answer, so an attempt it gave up on before then never heard
   * them, and a browser's connection would wait, `connecting`, for candidates that never come.
   */
  attemptsUnavailable(): void {
    if (this.direct !== undefined && this.direct.state !== 'direct') this.useDirect(undefined);
  }

  /** Attempt numbers start again with the server's next session, and no direct path is left. */
  #dropDirect(): void {
    this.#attempt = 0;
    this.#early.length = 0;
    this.useDirect(undefined);
  }

  /**
   * @internal The server welcomed us (`fresh`: a new session, else a resume): the TCP path's keepalive
   * runs, and dispatch frames the session refused while its outbox was full go now. The dispatch stream
   * is not renewed here, even for a new session: that happened when the old one ended, and what was sent
   * since (replayed to the new session with this welcome) already has its numbers in the new stream.
   */
  welcomed(fresh: boolean): void {
    if (fresh) {
      this.#dropDirect(); // the old session's, if its end went unnoticed: gone with it
    } else {
      // A resume: the TCP path ran over the socket that died; what the server sent on it since is lost
      // with it, which is no measure of the path (the server excuses ours alike).
      this.#tcp.quality.excuseOutage();
    }
    this.#tcp.startKeepalive();
    this.flushDispatch();
  }

  /** Timed dispatch retransmissions wait while neither path can deliver (see FailoverLink). */
  protected override mayRetransmit(): boolean {
    return this.state === 'direct' || (this.#port.connected?.() ?? true);
  }

  /** @internal LinkSignalFromServer: an offer opens attempt `n`; candidates follow it. */
  receiveSignal(n: number, signal: RtcSignal): void {
    const ctor = this.#ctor;
    if (!ctor || !this.wantsDirect || this.state === 'closed' || n < this.#attempt) return;
    if (n > this.#attempt) {
      if (!('description' in signal) || signal.description.type !== 'offer') {
        // A candidate that overtook its offer: kept (a few) until the offer comes.
        if (this.#early.length < 16) this.#early.push({ n, signal });
        return;
      }
      this.#attempt = n;
      let rtc: RtcLink;
      try {
        rtc = new RtcLink({
          RTCPeerConnection: ctor,
          role: 'answerer',
          iceServers: this.#port.iceServers(),
          ...(this.#settings.extraConfiguration
            ? { extraConfiguration: this.#settings.extraConfiguration }
            : {}),
          clock: this.#port.clock,
          ...(this.#port.conditioner ? { conditioner: this.#port.conditioner } : {}),
          ...(this.#settings.directDeadMs === undefined ? {} : { deadAfterMs: this.#settings.directDeadMs }),
          signaling: {
            send: (s) => this.#port.sendSignal({ n, s }),
            onSignal: (listener) => this.#signals.on('signal', listener),
          },
        });
      } catch {
        // The browser would not make the RTCPeerConnection (past its limit of connections, an ICE server
        // URL it cannot parse). Thrown, it left the socket's message handler (ending a Node process): the
        // attempt fails unanswered instead, the link stays in TCP mode, and the server tries again (after
        // its `maxFailedAttempts` it says so: SERVER_LINK_UNAVAILABLE). Its candidates are not kept.
        this.#early.length = 0;
        return;
      }
      this.useDirect(rtc);
      this.#signals.emit('signal', signal);
      for (const early of this.#early.splice(0))
        if (early.n === n) this.#signals.emit('signal', early.signal);
      return;
    }
    this.#signals.emit('signal', signal);
  }

  /** @internal DatagramFromServer: a message that came over the WebSocket (TCP mode). */
  receiveDatagram(channelNumber: number, bytes: Uint8Array, serverTime: number): void {
    this.#tcp.receive(channelNumber, bytes, serverTime);
  }

  #queue(channel: 0 | 3, bytes: Uint8Array): void {
    const batch = this.#batches[channel];
    batch.push(bytes);
    if (batch.length >= 64) {
      this.#sendBatch(channel);
      return;
    }
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // At the end of this turn: what was sent in it leaves in one frame per channel, with no timer. A
    // reaction on a settled promise is the same microtask queue as queueMicrotask, but Node's
    // queueMicrotask makes an async resource and a bound function each time (~5x the cost, per input).
    SETTLED.then(this.#flushAtEndOfTurn);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#batches[0].length > 0) this.#sendBatch(0);
    if (this.#batches[3].length > 0) this.#sendBatch(3);
  }

  /**
   * Two arrays per channel, swapped, instead of a new one per flush (garbage on every input): volatile
   * datagrams are encoded into one frame before `sendDatagrams` returns, so nothing keeps the array, and
   * anything queued while it runs lands in the other one. A send inside a send (the spare is then the
   * array going out) gets a fresh array, so a nested batch never shares one with the batch being sent.
   */
  #sendBatch(channel: 0 | 3): void {
    const batch = this.#batches[channel];
    const spare = this.#spares[channel];
    this.#batches[channel] = spare === batch ? [] : spare;
    try {
      this.#port.sendDatagrams(channel, batch, 'volatile');
    } finally {
      batch.length = 0;
      this.#spares[channel] = batch;
    }
  }
}
