import type { Clock, Disposer } from '../common/index.js';
import { MAX_PEER_DATA_BYTES, ProtocolError } from '../protocol/index.js';
import { Channel, DEFAULT_EVENT_LIFETIME_MS } from './channels.js';
import { BYE, DEFAULT_KEEPALIVE_MS, encodeGoodbye, LinkHeartbeat } from './keepalive.js';
import { joinTagged, type LinkState, type LinkStats } from './link.js';
import { LinkBase } from './link-events.js';
import { NewestSampleGate } from './newest-sample-gate.js';
import { QualityMonitor, type QualityMonitorOptions } from './quality/quality-monitor.js';
import { checkSendArguments } from './send-arguments.js';
import type { ConditionedChannel, ConditionedPipe, Conditioner } from './simulated/conditioner.js';

/** Newest-only `phys` at most this often by default (ms): 20 Hz, the relay's own cap too. */
export const RELAY_PHYS_INTERVAL_MS = 50;

/** Wire numbers of the channels on the relay path; 3 is the link's own control traffic. */
export const RELAY_CHANNEL_NUMBER: Record<Channel, number> = { phys: 0, event: 1, dispatch: 2 };
const CHANNEL_BY_NUMBER: readonly Channel[] = [Channel.phys, Channel.event, Channel.dispatch];
export const RELAY_CONTROL = 3;
/** A closed link's goodbye said again at most this often (ms): see `RelayLink.sayGoodbyeAgain`. */
const GOODBYE_AGAIN_MS = 1_000;
/**
 * The life of a goodbye said again (ms): long enough to cross a short resume, short enough that those
 * said while the socket is down (the old stream still coming by a direct path) do not pile up. One lost
 * to it is said again at the next frame of the old stream.
 */
const GOODBYE_AGAIN_LIFETIME_MS = 10_000;

/** How a relay link reaches its peer: through the client's session with the server. */
export interface RelayPort {
  readonly clock: Clock;
  /**
   * Sends to the peer through the server: `class` follows the channel (phys and control volatile,
   * event expiring with `ttlMs`, dispatch reliable).
   */
  send(
    channelNumber: number,
    bytes: Uint8Array,
    messageClass: 'volatile' | 'expiring' | 'reliable',
    ttlMs?: number,
  ): void;
  /** Like a volatile `send` of `tag` followed by `body`, written into the outgoing frame in place. */
  sendTaggedVolatile?(channelNumber: number, tag: number, body: Uint8Array): void;
}

export interface RelayLinkOptions {
  /** Newest-only `phys` at most this often (ms). Default 50 (20 Hz), the relay's own cap too. */
  physIntervalMs?: number;
  /** Life of `event` messages (ms). Default 250. */
  eventLifetimeMs?: number;
  /** Keepalive period (ms). Default 1,000. */
  keepaliveMs?: number;
  /** Nothing heard from the peer for this long (ms): the link closes. Default 4,000. */
  deadAfterMs?: number;
  /** Thresholds and windows of the link's quality monitor. */
  quality?: Omit<QualityMonitorOptions, 'clock'>;
  /** A developer's network conditioner: impairs this link's traffic both ways (see Conditioner). */
  conditioner?: Conditioner;
  /**
   * Whether the keepalive starts with the link. Default true. False for a link that outlives what it
   * goes through (the client's server link, across sessions): its owner starts and stops it with
   * `startKeepalive` / `stopKeepalive`, so a closed client leaves no timer running.
   */
  keepaliveAtOnce?: boolean;
  /**
   * Whether the peer's goodbye closes the link. Default true. False for the server's end of a player's
   * server link: the session's end closes it, and a player's goodbye on it closed the path for the rest of
   * the session (nothing reopens it); one is ignored, counted in `droppedFrames`.
   */
  heedGoodbyes?: boolean;
}

/**
 * What a relay link's goodbye names and which of the peer's it heeds, from the dispatch stream of the
 * link it is the fallback of (see FailoverLink.isGoodbyeForUs). Without: it names nothing and heeds all.
 */
export interface GoodbyeMarks {
  /** The epoch of the peer's dispatch stream taken (named in our goodbye); undefined when none. */
  followed(): number | undefined;
  /** Whether a goodbye naming `followed` is meant for this link; one that is not is ignored. */
  isForUs(followed: number | undefined): boolean;
}

/**
 * A Link through the server's WebSocket, built for TCP: `phys` is newest-only and capped at 20 Hz (a
 * queue of stale samples behind a lost segment helps nobody), `event` expires, `dispatch` is reliable
 * and ordered by the session's own stream. Keepalives measure the round trip through the server.
 */
export class RelayLink extends LinkBase {
  readonly peerId: string;
  readonly #port: RelayPort;
  readonly #options: Required<
    Omit<RelayLinkOptions, 'quality' | 'conditioner' | 'keepaliveAtOnce' | 'heedGoodbyes'>
  >;
  readonly #heedGoodbyes: boolean;
  readonly #physGate: NewestSampleGate;
  readonly #heartbeat: LinkHeartbeat;
  readonly #pipe: ConditionedPipe | undefined;
  /** Over TCP nothing is lost in transit: loss here is what the newest-only gates and queues dropped. */
  readonly quality: QualityMonitor;
  #state: LinkState = 'relayed';
  #goodbyeMarks: GoodbyeMarks | undefined;
  /** When `sayGoodbyeAgain` last sent one. */
  #goodbyeAgainAt = Number.NEGATIVE_INFINITY;
  /** Goodbyes from the peer ignored as not meant for this link (see GoodbyeMarks). */
  ignoredGoodbyes = 0;
  /** Told once at the next frame from the peer (see `onceHeard`). */
  #heardListeners: Array<() => void> = [];
  /** Age (ms, server clock) of the newest message when the server forwarded it; for staleness checks. */
  lastServerTime = Number.NaN;

  constructor(peerId: string, port: RelayPort, options: RelayLinkOptions = {}) {
    super();
    this.peerId = peerId;
    this.#port = port;
    this.#options = {
      physIntervalMs: options.physIntervalMs ?? RELAY_PHYS_INTERVAL_MS,
      eventLifetimeMs: options.eventLifetimeMs ?? DEFAULT_EVENT_LIFETIME_MS,
      keepaliveMs: options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
      deadAfterMs: options.deadAfterMs ?? 4_000,
    };
    this.#heedGoodbyes = options.heedGoodbyes ?? true;
    this.quality = new QualityMonitor({
      beatEveryMs: this.#options.keepaliveMs,
      ...options.quality,
      clock: port.clock,
    });
    this.#pipe = options.conditioner?.pipe(this.#options.eventLifetimeMs);
    // Counted where it leaves: a sample the gate replaced was never sent.
    this.#physGate = new NewestSampleGate(port.clock, this.#options.physIntervalMs, (bytes) => {
      this.quality.sent(bytes.length, true);
      if (this.#pipe && !this.#pipe.idle)
        this.#pipe.outbound(Channel.phys, bytes, () =>
          port.send(RELAY_CHANNEL_NUMBER.phys, bytes, 'volatile'),
        );
      else port.send(RELAY_CHANNEL_NUMBER.phys, bytes, 'volatile');
    });
    this.#heartbeat = new LinkHeartbeat({
      clock: port.clock,
      quality: this.quality,
      send: (bytes) => this.#out('control', bytes, () => port.send(RELAY_CONTROL, bytes, 'volatile')),
      onGone: () => this.closeLocally(),
      onGoodbye: (followed) => this.#onGoodbye(followed),
      onRtt: (ms) => {
        this.counters.rttMs = ms;
      },
      keepaliveMs: this.#options.keepaliveMs,
      deadAfterMs: this.#options.deadAfterMs,
    });
    if (options.keepaliveAtOnce !== false) this.#heartbeat.start();
  }

  get state(): LinkState {
    return this.#state;
  }

  /** False when closed, for a message over MAX_PEER_DATA_BYTES (the server relays none larger), or refused. */
  send(channel: Channel, bytes: Uint8Array): boolean {
    checkSendArguments(channel, bytes);
    if (this.#state === 'closed' || bytes.length > MAX_PEER_DATA_BYTES) return false;
    this.counters.messagesSent++;
    this.counters.bytesSent += bytes.length;
    if (channel === Channel.phys) {
      this.#physGate.offer(this.peerId, bytes);
      return true;
    }
    this.quality.sent(bytes.length, false);
    const send =
      channel === Channel.event
        ? () =>
            this.#sendThrough(RELAY_CHANNEL_NUMBER.event, bytes, 'expiring', this.#options.eventLifetimeMs)
        : () => this.#sendThrough(RELAY_CHANNEL_NUMBER.dispatch, bytes, 'reliable');
    if (this.#pipe && !this.#pipe.idle) {
      // Held back by the conditioner: a refusal comes later, from its timer, and only loses the message.
      this.#pipe.outbound(channel, bytes, send);
      return true;
    }
    return send();
  }

  /**
   * @internal Whether a mesh may send this link's `phys` in one message with other links' (see
   * RelayFanout): open, and no developer conditioner holding its traffic (that one keeps its own path,
   * so the impairment it simulates stays per link).
   */
  get fansOut(): boolean {
    return this.#state !== 'closed' && (this.#pipe === undefined || this.#pipe.idle);
  }

  /**
   * @internal A `phys` sample the mesh sends for this link with others' (RelayFanout), counted as `send`
   * counts it. A sample of its own still waiting at its gate is dropped: it is older, and sent after
   * this one it would arrive out of order.
   */
  countFannedOut(length: number): void {
    this.counters.messagesSent++;
    this.counters.bytesSent += length;
    if (this.#physGate.forget(this.peerId)) this.counters.samplesReplaced++;
  }

  /** @internal A fanned-out sample of this link's was replaced at the mesh's gate by a newer one. */
  countFannedOutReplaced(): void {
    this.counters.samplesReplaced++;
  }

  override stats(): LinkStats {
    const stats = super.stats();
    stats.samplesReplaced += this.#physGate.superseded;
    return stats;
  }

  /** @internal A fanned-out sample left (past the mesh's gate): the quality monitor counts it, as its own gate does. */
  countFannedOutSent(length: number): void {
    this.quality.sent(length, true);
  }

  /**
   * A `phys` message that leaves at once (no interval, no conditioner holding it) goes to the port's
   * in-place writer when it has one; anything else as `send` would.
   */
  sendTagged(channel: Channel, tag: number, body: Uint8Array): boolean {
    checkSendArguments(channel, body);
    const port = this.#port;
    if (
      channel !== Channel.phys ||
      this.#options.physIntervalMs > 0 ||
      (this.#pipe && !this.#pipe.idle) ||
      port.sendTaggedVolatile === undefined
    )
      return this.send(channel, joinTagged(tag, body));
    const length = 1 + body.length;
    if (this.#state === 'closed' || length > MAX_PEER_DATA_BYTES) return false;
    this.counters.messagesSent++;
    this.counters.bytesSent += length;
    this.quality.sent(length, true);
    port.sendTaggedVolatile(RELAY_CHANNEL_NUMBER.phys, tag, body);
    return true;
  }

  /**
   * The port refuses reliable and expiring messages when the session's outbox is full (OUTBOX_OVERFLOW:
   * the session is about to be cut and resumed). That is a refusal, `false`, never a throw: sends also run
   * from timers (dispatch acks, the conditioner), where a throw would end the process.
   */
  #sendThrough(
    channelNumber: number,
    bytes: Uint8Array,
    messageClass: 'reliable' | 'expiring',
    ttlMs?: number,
  ): boolean {
    try {
      this.#port.send(channelNumber, bytes, messageClass, ttlMs);
      return true;
    } catch (error) {
      if (error instanceof ProtocolError) return false;
      throw error;
    }
  }

  /** Through the conditioner when there is one. */
  #out(channel: ConditionedChannel, bytes: Uint8Array, send: () => void): void {
    if (this.#pipe && !this.#pipe.idle) this.#pipe.outbound(channel, bytes, send);
    else send();
  }

  /** Starts the keepalive (again): its beats measure the path's round trip, jitter and loss. */
  startKeepalive(): void {
    if (this.#state !== 'closed') this.#heartbeat.start();
  }

  /** Stops the keepalive and its timer, leaving the link open (what it goes through is gone for now). */
  stopKeepalive(): void {
    this.#heartbeat.stop();
  }

  /**
   * Closes the link and says goodbye to the peer, whose link to this one then closes too. The goodbye is
   * reliable, unlike the beats on the same channel: lost (the socket down at the time, or dropped on the
   * way) the peer's link would stay open and go on with its old dispatch stream, which a mesh opened here
   * again drops as the old link's. Reliable, it also waits behind this link's relayed dispatch frames
   * rather than overtaking them, so the peer's old link takes those before it closes and none reaches the
   * next link. It names the peer's stream this link took (see `markGoodbyes`). Under a conditioner it
   * goes in order with `dispatch`, behind what the conditioner still holds back, which goes on its way.
   */
  close(): void {
    if (this.#state === 'closed') return;
    const goodbye = encodeGoodbye(this.#goodbyeMarks?.followed());
    const send = () => this.#sendThrough(RELAY_CONTROL, goodbye, 'reliable');
    if (this.#pipe && !this.#pipe.idle) this.#pipe.outbound(Channel.dispatch, goodbye, send);
    else send();
    this.#shutdown(true);
  }

  /**
   * @internal Says a closed link's goodbye again, from this open link, naming the peer's stream `followed`
   * that the closed one took: the peer goes on sending it, so its link never heard that goodbye (refused
   * by a full session outbox, dropped in a resync towards the peer). The peer's link sending that stream
   * closes, and its next one starts a stream this link takes; any other link of the peer's ignores it
   * (see GoodbyeMarks). At most once per GOODBYE_AGAIN_MS while it goes (the peer may have many frames of
   * that stream on their way); one the port refuses is tried again at the next such frame.
   *
   * Expiring, not reliable as `close`'s goodbye is: a reliable goodbye may take the room a full outbox
   * keeps past its limits for what is said once (a leave, a link's goodbye), and these come again as long
   * as the old stream does (a peer may send it on purpose): they would use that room up, and the room's
   * leave after them would be refused. The server relays it reliably all the same, as every goodbye.
   */
  sayGoodbyeAgain(followed: number): void {
    if (this.#state === 'closed') return;
    const now = this.#port.clock.now();
    if (now - this.#goodbyeAgainAt < GOODBYE_AGAIN_MS) return;
    const goodbye = encodeGoodbye(followed);
    if (this.#sendThrough(RELAY_CONTROL, goodbye, 'expiring', GOODBYE_AGAIN_LIFETIME_MS))
      this.#goodbyeAgainAt = now;
  }

  /**
   * @internal Names the peer's stream in our goodbye, and ignores the peer's goodbyes meant for another
   * link than the one `marks` speaks for: one said while the socket was down waits for the resume, and
   * can be replayed after this side has left and rejoined the room (a new seating, a new link) or has
   * been sent a newer link's stream.
   */
  markGoodbyes(marks: GoodbyeMarks): void {
    this.#goodbyeMarks = marks;
  }

  #onGoodbye(followed: number | undefined): void {
    if (!this.#heedGoodbyes) this.counters.droppedFrames++;
    else if (this.#goodbyeMarks && !this.#goodbyeMarks.isForUs(followed)) this.ignoredGoodbyes++;
    else this.closeLocally();
  }

  /**
   * @internal Calls `listener` once, at the next frame from the peer that is not a goodbye (a keepalive beat
   * or a message): a link made in the place of one the peer's goodbye closed learns from it that the peer's
   * next link is there (see PeerMesh). Not called once this link closes.
   */
  onceHeard(listener: () => void): Disposer {
    if (this.#state === 'closed') return () => {};
    this.#heardListeners.push(listener);
    return () => {
      this.#heardListeners = this.#heardListeners.filter((other) => other !== listener);
    };
  }

  /** @internal The peer is gone (left the room, or we did): no goodbye to send. */
  closeLocally(): void {
    this.#shutdown(false);
  }

  /**
   * `sent`: closed by `close()`, whose goodbye and what went before it are still on their way through
   * the conditioner (only what it holds back on the way in is dropped).
   */
  #shutdown(sent: boolean): void {
    if (this.#state === 'closed') return;
    this.#heartbeat.stop();
    this.#physGate.clear();
    if (sent) this.#pipe?.closeInbound();
    else this.#pipe?.close();
    this.#state = 'closed';
    this.#heardListeners = [];
    this.events.state('closed');
    this.events.clear();
  }

  /**
   * @internal A relayed message from the peer, with the server time it was forwarded at. `now`: when it
   * arrived, if the caller already read the clock (the server reads it once per frame for every input).
   */
  receive(channelNumber: number, bytes: Uint8Array, serverTime: number, now?: number): void {
    if (this.#state === 'closed') return;
    const channel: ConditionedChannel | undefined =
      channelNumber === RELAY_CONTROL ? controlChannel(bytes) : CHANNEL_BY_NUMBER[channelNumber];
    const pipe = this.#pipe;
    if (pipe && !pipe.idle && channel !== undefined)
      this.#holdBack(pipe, channel, channelNumber, bytes, serverTime);
    else this.#arrive(channelNumber, bytes, serverTime, now);
  }

  /**
   * Held back by the conditioner, it arrives later than `now`: the clock is read then. A method of its
   * own: the closure, in `receive`, made V8 allocate its captured context on every message.
   */
  #holdBack(
    pipe: ConditionedPipe,
    channel: ConditionedChannel,
    channelNumber: number,
    bytes: Uint8Array,
    serverTime: number,
  ): void {
    pipe.inbound(channel, bytes.slice(), (late) => this.#arrive(channelNumber, late, serverTime));
  }

  #arrive(channelNumber: number, bytes: Uint8Array, serverTime: number, arrivedAt?: number): void {
    if (this.#state === 'closed') return;
    if (this.#heardListeners.length > 0 && !(channelNumber === RELAY_CONTROL && bytes[0] === BYE)) {
      for (const listener of this.#heardListeners.splice(0)) listener();
    }
    if (channelNumber === RELAY_CONTROL) {
      this.#heartbeat.receive(bytes);
      return;
    }
    const now = arrivedAt ?? this.#port.clock.now();
    this.#heartbeat.heard(now);
    const channel = CHANNEL_BY_NUMBER[channelNumber];
    if (channel === undefined) return;
    this.lastServerTime = serverTime;
    this.quality.received(bytes.length, channel === Channel.phys, now);
    this.counters.messagesReceived++;
    this.counters.bytesReceived += bytes.length;
    this.events.message(channel, bytes);
  }
}

/**
 * How the conditioner treats a control frame that arrives: a goodbye as `dispatch` (it is reliable, and
 * behind the peer's dispatch frames, which a delay of dispatch alone made it overtake, so that the link
 * closed dropping them), the keepalive's datagrams as `control`.
 */
function controlChannel(bytes: Uint8Array): ConditionedChannel {
  return bytes[0] === BYE ? Channel.dispatch : 'control';
}
