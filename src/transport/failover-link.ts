import { type Clock, type Disposer, Emitter } from '../common/index.js';
import { MAX_PEER_DATA_BYTES } from '../protocol/index.js';
import { Channel } from './channels.js';
import { MAX_DISPATCH_BYTES } from './dispatch-frames.js';
import type { DispatchRefusal } from './dispatch-receiver.js';
import { DispatchStream } from './dispatch-stream.js';
import { joinTagged, type Link, type LinkState, type LinkStats } from './link.js';
import { addCounters, type LinkCounters, zeroCounters } from './link-counters.js';
import { MessageListeners } from './message-listeners.js';
import { FollowedQuality } from './quality/followed-quality.js';
import { DEFAULT_QUIET_AFTER_MS, QuietPathWatch } from './quiet-path-watch.js';
import { checkSendArguments } from './send-arguments.js';

/** The states a FailoverLink is in: it starts on its fallback ('relayed') and is never 'connecting'. */
export type FailoverState = Exclude<LinkState, 'connecting'>;

/** The path a message arrived by: the direct link, or the fallback through the server. */
export type InboundPath = 'direct' | 'fallback';

/** What a link's owner checks in what arrives from the peer, before anything holds on to it. */
export interface InboundGuard {
  /**
   * Each message as it arrives on either path (a dispatch frame whole, header and all): false drops it.
   * `path`: which one it came by (the owner may hold a flood on the direct path against the peer).
   */
  admit(channel: Channel, bytes: Uint8Array, path: InboundPath): boolean;
  /** Largest dispatch message delivered; a larger one is skipped in its turn. Default: no limit. */
  maxDispatchBytes?: number;
  /** A dispatch frame the stream would not take: too large, or beyond its receive window. */
  refused?(reason: DispatchRefusal): void;
}

/** Which dispatch stream a FailoverLink sends, and which of the peer's it no longer takes. */
export interface DispatchEpochs {
  /** The epoch of this link's stream (0-255, see StreamFollower). Default 0. */
  epoch?: number;
  /** The newest of the peer's epochs a link before this one took: it and older ones are dropped. */
  retiredPeerEpoch?: number;
  /** A frame of `retiredPeerEpoch` arrived: the peer's link never heard our closed link's goodbye. */
  retiredHeard?(epoch: number): void;
}

/** How a FailoverLink judges its direct path. */
export interface FailoverOptions {
  /**
   * Nothing heard on the direct path for this long (ms): its traffic goes over the fallback and `state`
   * says 'relayed', while the path stays open (it may only have lost a few beats); anything heard on it
   * again brings them back. So too while the peer's data comes by the fallback though the path has been in
   * use this long and the peer probes (it hears nothing on the path: a path dead one way), until its data
   * comes on the path again, its probes stop, or none has come by the fallback for this long (see
   * QuietPathWatch). The path is given up only at its own dead time (its keepalive's, 4 s by default).
   * Default 1,500; Infinity: only the path's close moves traffic.
   */
  quietAfterMs?: number;
}

function quietAfter(options: FailoverOptions): number {
  const ms = options.quietAfterMs ?? DEFAULT_QUIET_AFTER_MS;
  if (!(ms > 0)) throw new RangeError(`quietAfterMs must be above 0, got ${ms}`);
  return ms;
}

/**
 * One Link over two paths: a direct one (WebRTC) when it is up, and a fallback through the server's
 * WebSocket otherwise. Callers see one Link; `state` says which path is in use ('direct' or 'relayed').
 * Whoever owns it makes direct attempts and hands each in with `useDirect`. `dispatch` stays exactly-once
 * and in order across a change of path (see DispatchStream). A direct path that goes quiet (see
 * FailoverOptions) hands its traffic to the fallback before its keepalive gives it up.
 */
export class FailoverLink implements Link {
  readonly #fallback: Link;
  readonly #messages = new MessageListeners();
  readonly #events = new Emitter<{ state: FailoverState }>();
  readonly #clock: Clock;
  readonly #epochs: DispatchEpochs;
  #dispatch: DispatchStream;
  #direct: Link | undefined;
  #disposeDirect: Disposer[] = [];
  #guard: InboundGuard | undefined;
  #lastState: FailoverState;
  #closed = false;
  /** What the direct paths this link let go had counted: `stats()` counts over the link's whole life. */
  readonly #retired: LinkCounters = zeroCounters();
  /** Whether the direct path has gone quiet: its traffic takes the fallback meanwhile. */
  readonly #quiet: QuietPathWatch;
  /** The quality of the path in use: the direct one when it is up, the fallback otherwise. */
  readonly quality: FollowedQuality;

  constructor(clock: Clock, fallback: Link, epochs: DispatchEpochs = {}, options: FailoverOptions = {}) {
    this.#fallback = fallback;
    this.#clock = clock;
    this.#epochs = epochs;
    this.#quiet = new QuietPathWatch(clock, quietAfter(options), () => this.refreshState());
    this.#dispatch = this.#newDispatch();
    fallback.onMessage((channel, bytes) => this.#onPathMessage(channel, bytes, 'fallback'));
    fallback.onState(() => this.refreshState());
    this.quality = new FollowedQuality(fallback.quality);
    this.#lastState = this.state;
  }

  get state(): FailoverState {
    if (this.#closed) return 'closed';
    if (this.#directInUse()) return 'direct';
    return this.#fallback.state === 'closed' ? 'closed' : 'relayed';
  }

  /** The direct attempt in progress or in use, if any. */
  get direct(): Link | undefined {
    return this.#direct;
  }

  /** The epoch of this link's dispatch stream. */
  get dispatchEpoch(): number {
    return this.#dispatch.epoch;
  }

  /** The epoch of the peer's dispatch stream this link takes now; undefined before it took any frame. */
  get followedEpoch(): number | undefined {
    return this.#dispatch.followedEpoch;
  }

  /**
   * Whether a link of the peer's may have taken this link's dispatch stream: the peer acked some of it, or
   * some is on its way unacked (an ack can be lost with the rest of what the server held for us).
   */
  get peerMayHaveTakenOurStream(): boolean {
    return this.#dispatch.peerTookOurs || this.#dispatch.unacked > 0;
  }

  /**
   * Whether a goodbye from the peer's link is meant for this link. `followed`: the epoch of our stream
   * that the peer's link took, named in its goodbye; undefined when it took none. It names ours: it is.
   * It names none: it is, unless the peer acked ours (then its link that takes ours would have named it,
   * and this goodbye comes from an older one: a goodbye replayed late, after the peer's link took ours).
   * It names another: it is an older link's, meant for a link of ours this one replaced.
   */
  isGoodbyeForUs(followed: number | undefined): boolean {
    return followed === undefined ? !this.#dispatch.peerTookOurs : followed === this.#dispatch.epoch;
  }

  /**
   * Makes `link` the direct path (closing the one before, which is not reported as anything: it was
   * replaced). `onClosed` runs if this one closes while still the current direct path.
   */
  useDirect(link: Link | undefined, onClosed?: () => void): void {
    const previous = this.#direct;
    for (const dispose of this.#disposeDirect.splice(0)) dispose();
    this.#direct = link;
    previous?.close();
    if (previous) this.#retire(previous);
    if (!link) {
      this.refreshState();
      return;
    }
    this.#disposeDirect.push(
      link.onMessage((channel, bytes) => this.#onPathMessage(channel, bytes, 'direct')),
      link.onState((state) => {
        if (state === 'closed' && this.#direct === link) {
          this.#direct = undefined;
          this.#retire(link);
          onClosed?.();
        }
        this.refreshState();
      }),
    );
    this.refreshState();
  }

  /**
   * False for a `dispatch` message over MAX_DISPATCH_BYTES (16 KiB less its header), and for a `phys` or
   * `event` one over MAX_PEER_DATA_BYTES (16 KiB), on either path: the fallback through the server
   * carries none larger. The direct path's SCTP would, but what `send` answers must not depend on the path,
   * which changes by itself: a snapshot the direct path took stopped going out, with nothing said, the
   * moment the link fell back, and the peer's end drops one that large anyway (its `maxMessageBytes`).
   */
  send(channel: Channel, bytes: Uint8Array): boolean {
    checkSendArguments(channel, bytes);
    if (this.#closed) return false;
    if (channel === Channel.dispatch) return bytes.length <= MAX_DISPATCH_BYTES && this.#dispatch.send(bytes);
    return bytes.length <= MAX_PEER_DATA_BYTES && this.#sendOnPath(channel, bytes);
  }

  /** On the fallback path the tag is written in place when it can be; the direct path gets them joined. */
  sendTagged(channel: Channel, tag: number, body: Uint8Array): boolean {
    checkSendArguments(channel, body);
    if (this.#closed) return false;
    if (channel !== Channel.dispatch && 1 + body.length > MAX_PEER_DATA_BYTES) return false;
    if (channel === Channel.dispatch || this.#directInUse() || !this.#fallback.sendTagged)
      return this.send(channel, joinTagged(tag, body));
    return this.#fallback.sendTagged(channel, tag, body);
  }

  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void): Disposer {
    return this.#messages.add(listener);
  }

  onState(listener: (state: FailoverState) => void): Disposer {
    return this.#events.on('state', listener);
  }

  /**
   * The gauges (round trip, loss, rates, grade) of the path in use, as `quality` follows it; the counters
   * (bytes, messages, dropped frames, replaced samples) over the link's life, every path it used summed:
   * read from the path in use alone, they went back and forth as it changed, and a rate taken between two
   * reads came out negative.
   */
  stats(): LinkStats {
    const fallback = this.#fallback.stats();
    const direct = this.#direct?.stats();
    const counted = { ...this.#retired };
    addCounters(counted, fallback);
    if (direct) addCounters(counted, direct);
    // Not `{ ...path, ...counted }`: each property after a spread costs about 1 µs on Node 20.
    return Object.assign({}, this.#directInUse() && direct ? direct : fallback, counted);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#quiet.stop();
    this.#dispatch.close();
    for (const dispose of this.#disposeDirect.splice(0)) dispose();
    const direct = this.#direct;
    direct?.close();
    this.#direct = undefined;
    if (direct) this.#retire(direct);
    this.#fallback.close();
    this.refreshState();
    this.#messages.clear();
    this.#events.removeAll();
  }

  /**
   * Checks what arrives with `guard` (the server's size and rate limits on what a player sends), before
   * the dispatch stream holds any of it, so a peer cannot make it hold what the limits would refuse. Set
   * once, before the link carries anything: the dispatch stream starts afresh with the guard's limits.
   */
  guardInbound(guard: InboundGuard): void {
    this.#guard = guard;
    this.renewDispatch();
  }

  /**
   * A new session began at the far end, with a new stream that numbers from 1 again: this end starts one
   * too, dropping what the old one still held (the old session, and what it had not acked, is gone).
   */
  protected renewDispatch(): void {
    this.#dispatch.close();
    this.#dispatch = this.#newDispatch();
  }

  /**
   * Judges the direct paths handed in from now on by this silence (see FailoverOptions): an owner that
   * learns its setting after it made the link (the server's, from its options at the player's hello).
   */
  protected judgeQuietBy(options: FailoverOptions): void {
    this.#quiet.quietAfterMs = quietAfter(options);
  }

  /** Dispatch frames the path refused go now (the owner knows the path takes frames again: a resume). */
  protected flushDispatch(): void {
    this.#dispatch.flush();
  }

  /** Every unacked dispatch frame goes again (the owner knows the path dropped some: a resync). */
  protected resendDispatch(): void {
    this.#dispatch.resend();
  }

  /**
   * Whether the fallback path can deliver now. While it cannot, timed retransmissions of dispatch wait
   * rather than queue duplicates for a replay. Owners that know (the session's socket) say so.
   */
  protected mayRetransmit(): boolean {
    return true;
  }

  #newDispatch(): DispatchStream {
    const guard = this.#guard;
    return new DispatchStream(
      this.#clock,
      (frame) => this.#sendOnPath(Channel.dispatch, frame),
      (bytes) => this.#messages.emit(Channel.dispatch, bytes),
      {
        ...this.#epochs,
        mayRetransmit: () => this.mayRetransmit(),
        ...(guard?.maxDispatchBytes === undefined ? {} : { maxMessageBytes: guard.maxDispatchBytes }),
        ...(guard?.refused ? { refused: (reason: DispatchRefusal) => guard.refused?.(reason) } : {}),
      },
    );
  }

  /**
   * Re-reads the state and reports a change; leaving the direct path resends unacked dispatch, reaching
   * it sends what the fallback refused.
   */
  protected refreshState(): void {
    const direct = this.#direct;
    // Before the state is read: a path taken up afresh is not quiet.
    if (!this.#closed) this.#quiet.watch(direct?.state === 'direct' ? direct : undefined);
    this.quality.follow(this.#directInUse() && direct ? direct.quality : this.#fallback.quality);
    const state = this.state;
    const previous = this.#lastState;
    if (state === previous) return;
    // Taken before the writes below, which may call back in here.
    this.#lastState = state;
    // Leaving the direct path: what it may have swallowed goes again over the fallback, our acks included
    // (the peer may have sent all it may before an ack, and wait for one).
    if (previous === 'direct' && state === 'relayed') this.#dispatch.resend();
    // Reaching it: frames the fallback refused (a full session outbox) go now, where they waited for the
    // retransmission timer (up to 8 s backed off, or none at all while the session's socket was down).
    if (state === 'direct') this.#dispatch.flush();
    // A path that changed again under those writes was reported from in there: this state is stale.
    if (this.#lastState !== state) return;
    this.#events.emit('state', state);
  }

  /** Keeps what a direct path counted as the link lets it go (closed: it counts no more). */
  #retire(link: Link): void {
    addCounters(this.#retired, link.stats());
  }

  /** The direct path carries our traffic: it is up and not quiet. */
  #directInUse(): boolean {
    return this.#direct?.state === 'direct' && !this.#quiet.quiet;
  }

  #sendOnPath(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#directInUse() && this.#direct?.send(channel, bytes)) return true;
    return this.#fallback.send(channel, bytes);
  }

  #onPathMessage(channel: Channel, bytes: Uint8Array, path: InboundPath): void {
    if (path === 'direct') this.#quiet.heard();
    else this.#quiet.fallbackHeard();
    if (this.#guard && !this.#guard.admit(channel, bytes, path)) return;
    if (channel === Channel.dispatch) this.#dispatch.receive(bytes);
    else this.#messages.emit(channel, bytes);
  }
}
