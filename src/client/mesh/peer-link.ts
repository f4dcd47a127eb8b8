import { type Cancel, type Clock, type Disposer, Emitter } from '../../common/index.js';
import {
  Channel,
  type Link,
  type LinkState,
  type LinkStats,
  RtcLink,
  type RtcLinkOptions,
  type RtcSignal,
} from '../../transport/index.js';
import { DispatchStream } from './dispatch-stream.js';

/**
 * Signaling for one peer's RTC attempts. `n` numbers the attempt so stale signals are ignored; `o` is
 * set when the sender is the offering side of that attempt, so that when both sides open attempt `n`
 * at once (glare) each can tell the colliding offer and its candidates from the ones it should follow.
 */
export interface PeerSignal {
  n: number;
  o?: true;
  signal: RtcSignal;
}

export interface PeerLinkOptions {
  clock: Clock;
  /** Builds RTC links; absent when this side has no WebRTC (then the relay is all there is). */
  rtc: Omit<RtcLinkOptions, 'signaling' | 'role' | 'clock'> | undefined;
  /**
   * True on the side that starts attempts by itself and retries failed ones (both sides compute it the
   * same way, e.g. the lower player id). It is also the side that wins when both offer at once; the
   * other side ("polite") drops its own attempt and answers. Either side may start an attempt when its
   * network comes back (`retryDirect`).
   */
  initiator: boolean;
  sendSignal(signal: PeerSignal): void;
  /** A direct attempt not connected by then is abandoned; the relay carries on (ms). Default 5,000. */
  directTimeoutMs?: number;
  /** After a failed direct attempt, try again this much later (ms). Default 15,000. */
  retryDirectMs?: number;
}

/**
 * The Link to one peer as the mesh hands it out: direct WebRTC when it is up, the server relay when it
 * is not (no WebRTC, ICE failed, the path died), upgrading back to direct by itself. Callers see one Link;
 * `state` tells which path is in use.
 */
export class PeerLink implements Link {
  readonly peerId: string;
  readonly #relay: Link;
  readonly #options: PeerLinkOptions;
  readonly #events = new Emitter<{ message: { channel: Channel; bytes: Uint8Array }; state: LinkState }>();
  readonly #signals = new Emitter<{ signal: RtcSignal }>();
  #rtc: RtcLink | undefined;
  #attempt = 0;
  /** Whether this side offered in the current attempt. */
  #offering = false;
  #cancelTimer: Cancel | undefined;
  #lastState: LinkState;
  #closed = false;
  readonly #dispatch: DispatchStream;
  /** Direct attempts that failed or timed out. */
  failedAttempts = 0;
  /** Times both sides offered the same attempt at once and this side gave way. */
  collisions = 0;

  /** `relay`: the path through the server (any Link with relay semantics). */
  constructor(peerId: string, relay: Link, options: PeerLinkOptions) {
    this.peerId = peerId;
    this.#relay = relay;
    this.#options = options;
    this.#dispatch = new DispatchStream(
      options.clock,
      (frame) => this.#sendOnPath(Channel.dispatch, frame),
      (bytes) => this.#events.emit('message', { channel: Channel.dispatch, bytes }),
    );
    relay.onMessage((channel, bytes) => this.#onPathMessage(channel, bytes));
    relay.onState(() => this.#refreshState());
    this.#lastState = this.state;
    if (options.rtc && options.initiator) this.#startAttempt(1, true);
  }

  get state(): LinkState {
    if (this.#closed) return 'closed';
    if (this.#rtc?.state === 'direct') return 'direct';
    return this.#relay.state === 'closed' ? 'closed' : 'relayed';
  }

  send(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    if (channel === Channel.dispatch) return this.#dispatch.send(bytes);
    return this.#sendOnPath(channel, bytes);
  }

  #sendOnPath(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#rtc?.state === 'direct' && this.#rtc.send(channel, bytes)) return true;
    return this.#relay.send(channel, bytes);
  }

  #onPathMessage(channel: Channel, bytes: Uint8Array): void {
    if (channel === Channel.dispatch) this.#dispatch.receive(bytes);
    else this.#events.emit('message', { channel, bytes });
  }

  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void): Disposer {
    return this.#events.on('message', ({ channel, bytes }) => listener(channel, bytes));
  }

  onState(listener: (state: LinkState) => void): Disposer {
    return this.#events.on('state', listener);
  }

  stats(): LinkStats {
    return this.#rtc?.state === 'direct' ? this.#rtc.stats() : this.#relay.stats();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimer?.();
    this.#dispatch.close();
    this.#rtc?.close();
    this.#relay.close();
    this.#refreshState();
    this.#events.removeAll();
  }

  /**
   * Tries a direct connection again now (the network came back), from either side. If the peer does the
   * same at the same moment, the collision resolves itself (see `receiveSignal`).
   */
  retryDirect(): void {
    if (this.#closed || !this.#options.rtc || this.#rtc?.state === 'direct') return;
    this.#startAttempt(this.#attempt + 1, true);
  }

  /** @internal Signaling from the peer for attempt `n`. */
  receiveSignal(signal: PeerSignal): void {
    if (this.#closed || !this.#options.rtc || signal.n < this.#attempt) return;
    const fromOfferer = signal.o === true;
    const isOffer = 'description' in signal.signal && signal.signal.description.type === 'offer';
    if (signal.n > this.#attempt) {
      // Only an offer may open a new attempt; anything else for an attempt we never saw is stale.
      if (!fromOfferer || !isOffer) return;
      this.#startAttempt(signal.n, false);
    } else if (fromOfferer === this.#offering) {
      // Both sides offered attempt n (glare), or a signal that makes no sense for our role. The initiator
      // keeps its offer and ignores the peer's; the polite side drops its own and answers.
      if (!fromOfferer || !isOffer || this.#options.initiator) return;
      this.collisions++;
      this.#startAttempt(signal.n, false);
    }
    this.#signals.emit('signal', signal.signal);
  }

  #startAttempt(n: number, offering: boolean): void {
    this.#cancelTimer?.();
    // Detach before closing, so the old attempt's close is not taken for a failure of the new one.
    const previous = this.#rtc;
    this.#rtc = undefined;
    previous?.close();
    this.#attempt = n;
    this.#offering = offering;
    const rtcOptions = this.#options.rtc;
    if (!rtcOptions) return;
    const rtc = new RtcLink({
      ...rtcOptions,
      clock: this.#options.clock,
      role: offering ? 'offerer' : 'answerer',
      signaling: {
        send: (signal) => this.#options.sendSignal(offering ? { n, o: true, signal } : { n, signal }),
        onSignal: (listener) => this.#signals.on('signal', listener),
      },
    });
    this.#rtc = rtc;
    rtc.onMessage((channel, bytes) => this.#onPathMessage(channel, bytes));
    rtc.onState((state) => {
      if (state === 'direct') this.#cancelTimer?.();
      if (state === 'closed' && this.#rtc === rtc) this.#attemptFailed(rtc);
      this.#refreshState();
    });
    this.#cancelTimer = this.#options.clock.setTimeout(() => {
      if (this.#rtc === rtc && rtc.state !== 'direct') rtc.close();
    }, this.#options.directTimeoutMs ?? 5_000);
  }

  #attemptFailed(rtc: RtcLink): void {
    if (this.#closed) return;
    this.failedAttempts++;
    if (this.#rtc === rtc) this.#rtc = undefined;
    if (!this.#options.initiator) return; // one side drives timed retries, so they do not collide
    this.#cancelTimer?.();
    this.#cancelTimer = this.#options.clock.setTimeout(
      () => this.#startAttempt(this.#attempt + 1, true),
      this.#options.retryDirectMs ?? 15_000,
    );
  }

  #refreshState(): void {
    const state = this.state;
    if (state === this.#lastState) return;
    // Leaving the direct path: what it may have swallowed goes again over the relay.
    if (this.#lastState === 'direct' && state === 'relayed') this.#dispatch.resend();
    this.#lastState = state;
    this.#events.emit('state', state);
  }
}
