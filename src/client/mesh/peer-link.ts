import type { Cancel, Clock } from '../../common/index.js';
import { Emitter, type TokenBucket } from '../../common/index.js';
import {
  type DispatchEpochs,
  epochNewer,
  FailoverLink,
  type Link,
  RtcLink,
  type RtcLinkOptions,
  type RtcSignal,
} from '../../transport/index.js';
import { peerOfferBudget } from '../peer-offer-budget.js';

/**
 * Signaling for one peer's RTC attempts. `n` numbers the attempt so stale signals are ignored; `o` is
 * set when the sender is the offering side of that attempt, so that when both sides open attempt `n`
 * at once (glare) each can tell the colliding offer and its candidates from the ones it should follow.
 * `declined` answers an offer for attempt `n` from a side that makes no direct link now (the room is
 * past its mesh size, or it has no usable WebRTC): the offerer stops trying until something changes.
 * `e` is the epoch of the sending link (its dispatch stream's, see LinkEpochs; absent from older clients):
 * attempts are numbered per link, from 1 again on the peer's next link, so `n` is read within the epoch
 * (see `PeerLink.fromNextPeerLink`).
 */
export type PeerSignal =
  | { n: number; e?: number; o?: true; signal: RtcSignal }
  | { n: number; e?: number; declined: true };

/** What a direct attempt's RtcLink is made with (the PeerLink adds signaling, role and clock). */
export type RtcAttemptOptions = Omit<RtcLinkOptions, 'signaling' | 'role' | 'clock'>;

export interface PeerLinkOptions {
  clock: Clock;
  /**
   * Builds RTC links; absent when this side has no WebRTC (then the relay is all there is). A function
   * is read at each attempt, so an attempt uses the ICE servers (TURN credentials) current then; when it
   * returns undefined, no direct attempt can be made for now.
   */
  rtc: RtcAttemptOptions | (() => RtcAttemptOptions | undefined) | undefined;
  /**
   * True on the side that starts attempts by itself and retries failed ones (both sides compute it the
   * same way, e.g. the lower player id). It is also the side that wins when both offer at once; the
   * other side ("polite") drops its own attempt and answers. Either side may start an attempt when its
   * network comes back (`retryDirect`).
   */
  initiator: boolean;
  /** Whether direct attempts are allowed at first (see `setDirectAllowed`). Default true. */
  directAllowed?: boolean;
  /**
   * Whether this side holds back direct attempts of its own until it hears from the peer's next link (its
   * frame on the relay, `peerLinkHeard`, or its signal acted on). Set on a link made in the place of one the
   * peer's goodbye closed: a player leaving the room says that goodbye just ahead of its leave, and an
   * attempt started at once sent an offer to a player who was gone (see PeerMesh `#relink`). Default false.
   */
  awaitPeerLink?: boolean;
  /** May throw when the room refuses it (the session's outbox full: OUTBOX_OVERFLOW). */
  sendSignal(signal: PeerSignal): void;
  /** A direct attempt not connected by then is abandoned; the relay carries on (ms). Default 5,000. */
  directTimeoutMs?: number;
  /** Silence on the direct path after which traffic takes the relay (see FailoverOptions). Default 1,500. */
  quietAfterMs?: number;
  /**
   * After a failed direct attempt, try again this much later (ms). Default 15,000. An attempt that failed
   * within 2 s of its start (a handshake refused at once, not a path that never answered) is retried
   * sooner: after 0.5 s, then 1, 2, 4 s... up to this, until the link is direct again.
   */
  retryDirectMs?: number;
  /**
   * Refuse the direct path for this long from the start (ms; see `refuseDirectFor`): a link that takes the
   * place of one whose peer was held to the relay carries the rest of that penalty.
   */
  refuseDirectForMs?: number;
  /**
   * The peer's offer budget (see peer-offer-budget.ts) of the link this one takes the place of: a new link
   * must not hand a peer a fresh burst of offers to act on, or a goodbye before each burst would buy it one.
   */
  peerOffers?: TokenBucket;
  /**
   * The epoch of this link's dispatch stream, and the newest of the peer's that a link before this one
   * took (see StreamFollower): frames of that one still on their way are dropped.
   */
  epochs?: DispatchEpochs;
  /**
   * Whether the relay path delivers now (the session's socket is up). While it does not and the link is
   * not direct, timed dispatch retransmissions wait for `sessionResumed`. Default: always.
   */
  relayConnected?(): boolean;
}

/**
 * An attempt that fails this soon after it started most likely failed in its handshake (ICE connected,
 * then DTLS or SCTP gave up), not for want of a path: ICE without one usually searches until the
 * attempt's timeout. Such failures are mostly passing ones (libdatachannel in Node refuses a peer's DTLS
 * certificate now and then, sometimes twice running, when one process opens several connections at
 * once), so they are retried soon: after FIRST_FAST_RETRY_MS, doubling up to the retry interval, so that
 * a peer whose handshakes always fail is not hammered. A slow failure waits the full interval at once
 * (the server link, by contrast, backs off every failure from 0.5 s). An attempt that fails at once for
 * want of candidates is retried sooner too: a few more offers through the server in its first half
 * minute, the relay carrying the traffic meanwhile.
 */
const FAST_FAILURE_MS = 2_000;
const FIRST_FAST_RETRY_MS = 500;

/**
 * The Link to one peer as the mesh hands it out: direct WebRTC when it is up, the server relay when it
 * is not (no WebRTC, ICE failed, the path died), upgrading back to direct by itself. Callers see one Link;
 * `state` tells which path is in use.
 */
export class PeerLink extends FailoverLink {
  readonly peerId: string;
  readonly #options: PeerLinkOptions;
  readonly #signals = new Emitter<{ signal: RtcSignal }>();
  #attempt = 0;
  /** Whether this side offered in the current attempt. */
  #offering = false;
  #cancelTimer: Cancel | undefined;
  /** When the current attempt started (clock ms). */
  #attemptStartedAt = 0;
  /** Fast failures since the link was last direct: each waits twice as long as the one before. */
  #fastFailuresInARow = 0;
  /** False while the mesh wants this peer on the relay only (the room is past its mesh size). */
  #allowed: boolean;
  /** The peer declined our attempt: no timed retries until something changes (see `#onDeclined`). */
  #declined = false;
  /** Direct attempts that failed or timed out. */
  failedAttempts = 0;
  /** Times both sides offered the same attempt at once and this side gave way. */
  collisions = 0;
  /** Offers from the peer ignored for coming too fast (see peer-offer-budget.ts). */
  ignoredOffers = 0;
  readonly #peerOffers: TokenBucket;
  /** The epoch of the peer's link this one negotiates with: the `e` of the last signal acted on. */
  #peerEpoch: number | undefined;
  /** Whether a signal from the peer was acted on (answered, declined or followed): see `metPeerLink`. */
  #heardFromPeer = false;
  /** Attempts of this side's own wait until the peer's next link is heard from (see `awaitPeerLink`). */
  #awaitingPeerLink: boolean;
  /** An attempt of this side's own was due while it waited for the peer's next link: it starts then. */
  #attemptHeldBack = false;
  /** Until this clock time this side refuses the direct path (see `refuseDirectFor`). */
  #refusedUntil = Number.NEGATIVE_INFINITY;
  #cancelRefusal: Cancel | undefined;

  /** `relay`: the path through the server (any Link with relay semantics). */
  constructor(peerId: string, relay: Link, options: PeerLinkOptions) {
    super(
      options.clock,
      relay,
      options.epochs,
      options.quietAfterMs === undefined ? {} : { quietAfterMs: options.quietAfterMs },
    );
    this.peerId = peerId;
    this.#options = options;
    this.#allowed = options.directAllowed ?? true;
    this.#awaitingPeerLink = options.awaitPeerLink ?? false;
    this.#peerOffers = options.peerOffers ?? peerOfferBudget(options.clock.now());
    // The relay closes for the peer's goodbye (or its leave, or ours): the peer's link is over, whatever
    // path this one is on. Left open while direct, it went on with a stream of the peer's that the peer's
    // next link replaces, with no relay path to fall back on: the goodbye said again for a link that never
    // heard ours (see PeerMesh) closed nothing, and that link's messages were dropped here while it lasted.
    relay.onState((state) => {
      if (state === 'closed') this.close();
    });
    if ((options.refuseDirectForMs ?? 0) > 0) this.refuseDirectFor(options.refuseDirectForMs as number);
    if (options.initiator && this.#mayStartAttempt()) this.#startAttempt(1, true);
  }

  /** Whether this side makes direct attempts now (see `setDirectAllowed`). */
  get directAllowed(): boolean {
    return this.#allowed;
  }

  /**
   * Allows or forbids the direct path, e.g. as the room crosses the mesh size. Forbidden: the direct
   * link (or attempt) closes, the relay carries on, and offers from the peer are declined. Allowed
   * again: this side starts an attempt at once; if the peer does the same, the collision resolves
   * itself, and if the peer has not yet come to the same view, it declines and starts one itself when
   * it does, so both sides end up where their views agree.
   */
  setDirectAllowed(allowed: boolean): void {
    if (allowed === this.#allowed || this.state === 'closed') return;
    this.#allowed = allowed;
    if (allowed) {
      if (this.#mayStartAttempt()) this.#startAttempt(this.#attempt + 1, true);
      return;
    }
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.useDirect(undefined); // closed by choice: not a failure, nothing to retry
  }

  #canGoDirect(): boolean {
    return this.#allowed && !this.directRefused && this.#rtcOptions() !== undefined;
  }

  /**
   * Whether this side may start an attempt of its own now: it can go direct, and is not waiting for the
   * peer's next link (an attempt due meanwhile starts when that link is heard from: `peerLinkHeard`).
   */
  #mayStartAttempt(): boolean {
    if (!this.#canGoDirect()) return false;
    if (this.#awaitingPeerLink) this.#attemptHeldBack = true;
    return !this.#awaitingPeerLink;
  }

  /**
   * @internal A frame from the peer's next link came on the relay (see `awaitPeerLink`): the peer is still
   * there, with a mesh. The attempt held back for it starts now, if the link still can go direct.
   */
  peerLinkHeard(): void {
    if (!this.#awaitingPeerLink) return;
    this.#awaitingPeerLink = false;
    if (!this.#attemptHeldBack || this.state === 'closed' || this.direct !== undefined) return;
    if (this.#canGoDirect()) this.#startAttempt(this.#attempt + 1, true);
  }

  /** Whether this side refuses the direct path for now (see `refuseDirectFor`). */
  get directRefused(): boolean {
    return this.#options.clock.now() < this.#refusedUntil;
  }

  /** @internal The epoch of the peer's link this one negotiates with (see `#peerEpoch`); undefined before. */
  get peerLinkEpoch(): number | undefined {
    return this.#peerEpoch;
  }

  /**
   * @internal Whether this link met a link of the peer's: acted on a signal of one (older clients name no
   * epoch in theirs), or took its dispatch stream. A link that met none was of no use to the peer yet.
   */
  get metPeerLink(): boolean {
    return this.#heardFromPeer || this.followedEpoch !== undefined;
  }

  /** @internal The peer's offer budget, for the link that takes this one's place (`peerOffers`). */
  get peerOffers(): TokenBucket {
    return this.#peerOffers;
  }

  /** How much longer this side refuses the direct path (ms; 0 when it does not). */
  get directRefusedForMs(): number {
    return Math.max(0, this.#refusedUntil - this.#options.clock.now());
  }

  /**
   * Closes the direct path and refuses it for `ms` (a peer flooding it: see PeerMesh): the relay carries
   * the peer's traffic meanwhile, through the server's limits, and the peer's offers are declined. Then
   * this side offers again, whichever side usually starts.
   */
  refuseDirectFor(ms: number): void {
    if (this.state === 'closed') return;
    const clock = this.#options.clock;
    this.#refusedUntil = clock.now() + ms;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#cancelRefusal?.();
    this.#cancelRefusal = clock.setTimeout(() => {
      this.#cancelRefusal = undefined;
      this.#refusedUntil = Number.NEGATIVE_INFINITY;
      if (this.state !== 'closed' && this.#mayStartAttempt()) this.#startAttempt(this.#attempt + 1, true);
    }, ms);
    this.useDirect(undefined); // closed by choice: not a failure, nothing to retry
  }

  /** The settings for an attempt starting now, or undefined when no direct attempt can be made. */
  #rtcOptions(): RtcAttemptOptions | undefined {
    const rtc = this.#options.rtc;
    return typeof rtc === 'function' ? rtc() : rtc;
  }

  /**
   * Sent while the session's socket was down, a relayed dispatch frame waits in the session's outbox, which
   * replays it at the resume: sent again meanwhile, every second or few, each was one more duplicate there
   * (a minute away made ten copies of each unacked message, filling the outbox the app's own reliable
   * messages need). The direct path, when up, goes on as before.
   */
  protected override mayRetransmit(): boolean {
    return this.state === 'direct' || (this.#options.relayConnected?.() ?? true);
  }

  /** @internal The session resumed: retransmissions held back meanwhile wait for an ack again from now. */
  sessionResumed(): void {
    if (this.state !== 'closed') this.flushDispatch();
  }

  override close(): void {
    this.#cancelTimer?.();
    this.#cancelRefusal?.();
    super.close();
  }

  /**
   * Tries a direct connection again now (the network came back), from either side. If the peer does the
   * same at the same moment, the collision resolves itself (see `receiveSignal`).
   */
  retryDirect(): void {
    if (this.state === 'closed' || this.direct?.state === 'direct' || !this.#mayStartAttempt()) return;
    this.#startAttempt(this.#attempt + 1, true);
  }

  /**
   * @internal Whether `signal` is an offer from a later link of the peer's than the one this link negotiates
   * with (see `#fromLaterPeerLink`) that the mesh should replace this link for, as the goodbye it never
   * heard would have, so that the fresh one takes the offer and the peer's new stream from its start. Not
   * when this link already takes that stream (its frames came ahead of the offer): a fresh link could not
   * take it from the middle, and would drop it; this one takes the offer itself.
   */
  fromNextPeerLink(signal: PeerSignal): boolean {
    if (!this.#fromLaterPeerLink(signal) || signal.e === undefined) return false;
    const followed = this.followedEpoch;
    return followed === undefined || epochNewer(signal.e, followed);
  }

  /**
   * Whether `signal` is an offer from a later link of the peer's than the one this link negotiates with.
   * The peer made that one after its link to us closed, whose goodbye this link never heard (lost to a
   * full outbox or a resync, or the peer left and came back while our socket was away): its attempts
   * number from 1 again, below ours, and were ignored until they passed ours, 20 s an attempt.
   */
  #fromLaterPeerLink(signal: PeerSignal): boolean {
    const known = this.#peerEpoch;
    if (signal.e === undefined || known === undefined || !epochNewer(signal.e, known)) return false;
    return !('declined' in signal) && signal.o === true && isOfferSignal(signal.signal);
  }

  /** @internal Signaling from the peer for attempt `n`. */
  receiveSignal(signal: PeerSignal): void {
    if (this.state === 'closed') return;
    // From a link of the peer's before the one this link negotiates with: its attempts are over.
    if (signal.e !== undefined && this.#peerEpoch !== undefined && epochNewer(this.#peerEpoch, signal.e)) {
      return;
    }
    if ('declined' in signal) {
      this.#onDeclined(signal.n);
      return;
    }
    const fromOfferer = signal.o === true;
    const isOffer = isOfferSignal(signal.signal);
    // The peer's next link numbers its attempts afresh: its offer opens one whatever our number.
    const fromLaterLink = this.#fromLaterPeerLink(signal);
    if (!this.#canGoDirect()) {
      // Say so, rather than let the peer's attempt time out and be retried every few seconds for good.
      if (fromOfferer && isOffer && (fromLaterLink || signal.n >= this.#attempt) && this.#actOnOffer()) {
        this.#heardFrom(signal);
        this.#decline(signal.n);
      }
      return;
    }
    if (fromLaterLink) {
      if (!this.#actOnOffer()) return;
      this.#startAttempt(signal.n, false);
    } else if (signal.n < this.#attempt) return;
    else if (signal.n > this.#attempt) {
      // Only an offer may open a new attempt; anything else for an attempt we never saw is stale.
      if (!fromOfferer || !isOffer || !this.#actOnOffer()) return;
      this.#startAttempt(signal.n, false);
    } else if (fromOfferer === this.#offering) {
      // Both sides offered attempt n (glare), or a signal that makes no sense for our role. The initiator
      // keeps its offer and ignores the peer's; the polite side drops its own and answers.
      if (!fromOfferer || !isOffer || this.#options.initiator || !this.#actOnOffer()) return;
      this.collisions++;
      this.#startAttempt(signal.n, false);
    } else if (isOffer && !this.#actOnOffer()) {
      // Another offer for the attempt under way (an honest peer makes one per attempt): the connection
      // would answer it, and with an ICE restart in it gather and send candidates again, so it costs this
      // side as much as an offer that opens an attempt, and comes out of the same budget.
      return;
    }
    this.#heardFrom(signal);
    this.#signals.emit('signal', signal.signal);
  }

  /** The peer's link that sent `signal` is the one this link negotiates with from now on. */
  #heardFrom(signal: PeerSignal): void {
    this.#heardFromPeer = true;
    // That link is there (its offer opened an attempt, or was declined): attempts go on as on any link.
    this.#awaitingPeerLink = false;
    if (signal.e !== undefined) this.#peerEpoch = signal.e;
  }

  /** Sends `signal` named with this link's epoch, which the peer reads its attempt number within. */
  #send(signal: PeerSignal): void {
    const epoch = this.#options.epochs?.epoch;
    this.#options.sendSignal(epoch === undefined ? signal : { ...signal, e: epoch });
  }

  /** Whether an offer from the peer may open an attempt (or be declined) now; counted when not. */
  #actOnOffer(): boolean {
    if (this.#peerOffers.take(this.#options.clock.now())) return true;
    this.ignoredOffers++;
    return false;
  }

  /**
   * Declines the peer's offer for attempt `n`, and takes `n` as seen: an attempt this side opens later
   * is numbered above it, so the peer follows it even if it still holds attempt `n` as its newest.
   */
  #decline(n: number): void {
    this.#attempt = Math.max(this.#attempt, n);
    try {
      this.#send({ n, declined: true });
    } catch {
      // The room refused it (the session's outbox full). Thrown from the peer's signal it would be
      // uncaught; lost, it costs the peer only its attempt's timeout, and its next offer is declined.
    }
  }

  /** The peer makes no direct link now: drop our attempt quietly and wait for it (or a change) to ask. */
  #onDeclined(n: number): void {
    if (n !== this.#attempt || !this.#offering || this.direct?.state === 'direct') return;
    this.#declined = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.useDirect(undefined);
  }

  #startAttempt(n: number, offering: boolean): void {
    this.#cancelTimer?.();
    this.#declined = false;
    this.#attempt = n;
    this.#offering = offering;
    this.#attemptStartedAt = this.#options.clock.now();
    const rtcOptions = this.#rtcOptions();
    if (!rtcOptions) return;
    let rtc: RtcLink;
    try {
      rtc = new RtcLink({
        ...rtcOptions,
        clock: this.#options.clock,
        role: offering ? 'offerer' : 'answerer',
        signaling: {
          send: (signal) => this.#send(offering ? { n, o: true, signal } : { n, signal }),
          onSignal: (listener) => this.#signals.on('signal', listener),
        },
      });
    } catch {
      // The browser would not make the RTCPeerConnection (past its limit of connections, an ICE server
      // URL it cannot parse). Thrown, it escaped from room.mesh(), a peer's signal or the retry timer
      // (ending a Node process); it is a failed attempt: the relay carries on, and it is retried.
      this.useDirect(undefined);
      this.#attemptFailed();
      return;
    }
    // Replaces (and closes) the attempt before without counting that as a failure.
    this.useDirect(rtc, () => this.#attemptFailed());
    rtc.onState((state) => {
      if (state !== 'direct') return;
      this.#cancelTimer?.();
      this.#fastFailuresInARow = 0;
    });
    this.#cancelTimer = this.#options.clock.setTimeout(() => {
      if (this.direct === rtc && rtc.state !== 'direct') rtc.close();
    }, this.#options.directTimeoutMs ?? 5_000);
  }

  #attemptFailed(): void {
    if (this.state === 'closed') return;
    this.failedAttempts++;
    if (!this.#options.initiator) return; // one side drives timed retries, so they do not collide
    if (!this.#allowed || this.#declined) return; // nothing to retry until that changes
    this.#cancelTimer?.();
    const interval = this.#options.retryDirectMs ?? 15_000;
    let delay = interval;
    if (this.#options.clock.now() - this.#attemptStartedAt < FAST_FAILURE_MS) {
      this.#fastFailuresInARow++;
      delay = Math.min(interval, FIRST_FAST_RETRY_MS * 2 ** (this.#fastFailuresInARow - 1));
    }
    this.#cancelTimer = this.#options.clock.setTimeout(
      () => this.#startAttempt(this.#attempt + 1, true),
      delay,
    );
  }
}

function isOfferSignal(signal: RtcSignal): boolean {
  return 'description' in signal && signal.description.type === 'offer';
}
