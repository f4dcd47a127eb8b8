import type { Cancel, Clock } from '../../common/index.js';
import { Channel, DEFAULT_EVENT_LIFETIME_MS } from '../channels.js';
import { DEFAULT_KEEPALIVE_MS } from '../keepalive.js';
import type { LinkState } from '../link.js';
import { LinkBase } from '../link-events.js';
import { QualityMonitor, type QualityMonitorOptions } from '../quality/quality-monitor.js';
import { type NetworkConditions, PathModel } from './network-conditions.js';
import { seededRandom } from './seeded-random.js';

export interface SimulatedLinkOptions {
  /** Drives every delay; a ManualClock makes runs exact and instant. */
  clock: Clock;
  /** Same seed, same conditions, same sends: the same deliveries. Default 1. */
  seed?: number;
  aToB?: NetworkConditions;
  bToA?: NetworkConditions;
  /** Life of an `event` message (ms): retransmitted while younger. Default 250. */
  eventLifetimeMs?: number;
  /** Keepalive period (ms), for liveness and RTT/loss stats. Default 1,000. */
  keepaliveMs?: number;
  /** Nothing heard for this long (ms): the peer is dead and the link closes. Default 4,000. */
  deadAfterMs?: number;
  /** What `state` says once connected: a simulated direct path or a simulated relay. Default 'direct'. */
  connectedState?: 'direct' | 'relayed';
  /** Thresholds and windows of each end's quality monitor. */
  quality?: Omit<QualityMonitorOptions, 'clock'>;
}

type Packet =
  | { type: 'data'; channel: Channel; seq: number; bytes: Uint8Array }
  | { type: 'ping'; sentAt: number; physSent: number }
  | { type: 'pong'; sentAt: number; physReceived: number; physSentAtPing: number }
  | { type: 'report'; datagramsSent: number; lossOfYours: number }
  | { type: 'bye' };

const MIN_RTO_MS = 10;
/** Size of a keepalive frame on a real link (for the bandwidth figures). */
const CONTROL_BYTES = 9;

/**
 * One end of a simulated path with the three channels' semantics: `phys` is sent once (lost is lost,
 * duplicates and reordering visible, as on a datagram path); `event` is retransmitted on loss while
 * younger than its lifetime, delivered once, unordered; `dispatch` is retransmitted until delivered and
 * handed over once, in order (so loss shows up as head-of-line delay, as on SCTP).
 */
export class SimulatedLink extends LinkBase {
  #peer!: SimulatedLink;
  readonly #clock: Clock;
  #path: PathModel;
  readonly #random: () => number;
  readonly #options: Required<Omit<SimulatedLinkOptions, 'aToB' | 'bToA' | 'seed' | 'clock' | 'quality'>>;
  /** Fed as a real link's keepalive feeds it: pings, pongs and reports are datagrams, as `phys` is. */
  readonly quality: QualityMonitor;
  readonly #nextSeq: Record<Channel, number> = { phys: 0, event: 0, dispatch: 0 };
  readonly #dispatchBuffer = new Map<number, Uint8Array>();
  #dispatchDelivered = 0;
  #state: LinkState = 'connecting';
  #timers = new Set<Cancel>();
  #lastHeard = 0;
  #physSent = 0;
  #physReceived = 0;

  /** Use `createSimulatedLinkPair`. */
  constructor(clock: Clock, path: PathModel, random: () => number, options: SimulatedLinkOptions) {
    super();
    this.#clock = clock;
    this.#path = path;
    this.#random = random;
    this.#options = {
      eventLifetimeMs: options.eventLifetimeMs ?? DEFAULT_EVENT_LIFETIME_MS,
      keepaliveMs: options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
      deadAfterMs: options.deadAfterMs ?? 4_000,
      connectedState: options.connectedState ?? 'direct',
    };
    this.#lastHeard = clock.now();
    this.quality = new QualityMonitor({ beatEveryMs: this.#options.keepaliveMs, ...options.quality, clock });
  }

  /** @internal */
  connectTo(peer: SimulatedLink): void {
    this.#peer = peer;
    // Connected after one one-way delay, as the first packet from the peer would tell.
    this.#after(this.#path.baseDelayMs, () => this.#setState(this.#options.connectedState));
    this.#scheduleKeepalive();
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Changes this direction's impairments from now on (e.g. loss 1 to cut the path). */
  setConditions(conditions: NetworkConditions): void {
    this.#path = new PathModel(conditions, this.#random);
  }

  /**
   * As an RtcLink: before the link is up, `phys` and `event` are refused (stale by the time it is) and
   * `dispatch` is taken (it arrives no sooner than the link is up, one path delay away).
   */
  send(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#state === 'closed') return false;
    if (this.#state === 'connecting' && channel !== Channel.dispatch) return false;
    const seq = ++this.#nextSeq[channel];
    this.counters.messagesSent++;
    this.counters.bytesSent += bytes.length;
    if (channel === Channel.phys) this.#physSent++;
    this.quality.sent(bytes.length, channel === Channel.phys);
    this.#transmit({ type: 'data', channel, seq, bytes }, this.#clock.now());
    return true;
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#transmit({ type: 'bye' }, this.#clock.now());
    this.#shutdown();
  }

  #transmit(packet: Packet, firstSentAt: number): void {
    const copies = this.#onceIfEvent(packet, this.#path.fate());
    for (const delay of copies) this.#after(delay, () => this.#peer.#receive(packet));
    if (copies.length > 0 || packet.type !== 'data' || packet.channel === Channel.phys) return;
    // Lost: the sender learns it after about a round trip and sends again, within the channel's rules.
    const rto = Math.max(MIN_RTO_MS, 2 * (this.#path.baseDelayMs + this.#path.jitterMs));
    if (
      packet.channel === Channel.event &&
      this.#clock.now() + rto - firstSentAt > this.#options.eventLifetimeMs
    )
      return;
    this.#after(rto, () => {
      if (this.#state !== 'closed') this.#transmit(packet, firstSentAt);
    });
  }

  /**
   * SCTP hands an `event` message over once however many copies arrive; here only its first copy is
   * sent on, rather than the receiver remembering every id it took (which, unpruned, grew for the whole
   * session). Retransmissions follow only a loss of every copy, so no other copy can come.
   */
  #onceIfEvent(packet: Packet, copies: number[]): number[] {
    if (copies.length < 2 || packet.type !== 'data' || packet.channel !== Channel.event) return copies;
    return [Math.min(...copies)];
  }

  #receive(packet: Packet): void {
    if (this.#state === 'closed') return;
    this.#lastHeard = this.#clock.now();
    if (packet.type !== 'data' && packet.type !== 'bye') this.quality.received(CONTROL_BYTES, true);
    switch (packet.type) {
      case 'bye':
        this.#shutdown();
        return;
      case 'report':
        this.quality.peerReport(packet.datagramsSent, packet.lossOfYours);
        return;
      case 'ping':
        this.quality.arrival(packet.sentAt);
        this.quality.sent(CONTROL_BYTES, true);
        this.#transmit(
          {
            type: 'pong',
            sentAt: packet.sentAt,
            physReceived: this.#physReceived,
            physSentAtPing: packet.physSent,
          },
          this.#clock.now(),
        );
        return;
      case 'pong':
        this.counters.rttMs = this.#clock.now() - packet.sentAt;
        this.quality.rtt(this.counters.rttMs);
        if (packet.physSentAtPing > 0) {
          this.counters.lossRate = Math.max(0, 1 - packet.physReceived / packet.physSentAtPing);
        }
        return;
      case 'data':
        this.#receiveData(packet.channel, packet.seq, packet.bytes);
    }
  }

  #receiveData(channel: Channel, seq: number, bytes: Uint8Array): void {
    if (channel === Channel.phys) {
      this.#physReceived++;
      this.quality.received(bytes.length, true);
      this.#deliver(channel, bytes);
    } else if (channel === Channel.event) {
      this.#deliver(channel, bytes);
    } else {
      if (seq <= this.#dispatchDelivered) return;
      this.#dispatchBuffer.set(seq, bytes);
      for (
        let next = this.#dispatchBuffer.get(this.#dispatchDelivered + 1);
        next;
        next = this.#dispatchBuffer.get(this.#dispatchDelivered + 1)
      ) {
        this.#dispatchBuffer.delete(++this.#dispatchDelivered);
        this.#deliver(channel, next);
      }
    }
  }

  #deliver(channel: Channel, bytes: Uint8Array): void {
    if (channel !== Channel.phys) this.quality.received(bytes.length, false);
    this.counters.messagesReceived++;
    this.counters.bytesReceived += bytes.length;
    this.events.message(channel, bytes);
  }

  #scheduleKeepalive(): void {
    this.#after(this.#options.keepaliveMs, () => {
      if (this.#state === 'closed') return;
      if (this.#clock.now() - this.#lastHeard > this.#options.deadAfterMs) {
        this.#shutdown();
        return;
      }
      const now = this.#clock.now();
      this.quality.sent(CONTROL_BYTES, true);
      this.#transmit({ type: 'ping', sentAt: now, physSent: this.#physSent }, now);
      this.quality.sent(CONTROL_BYTES, true);
      const report = this.quality.datagramsSent;
      this.#transmit(
        { type: 'report', datagramsSent: report, lossOfYours: this.quality.snapshot().lossDown },
        now,
      );
      this.quality.evaluate();
      this.#scheduleKeepalive();
    });
  }

  #after(delayMs: number, run: () => void): void {
    const cancel = this.#clock.setTimeout(() => {
      this.#timers.delete(cancel);
      run();
    }, delayMs);
    this.#timers.add(cancel);
  }

  #shutdown(): void {
    // Packets already in flight towards the peer stay scheduled (they are the peer's timers' business);
    // this side stops sending, retransmitting and keeping alive.
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#setState('closed');
  }

  #setState(state: LinkState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    this.events.state(state);
  }
}

/** Two simulated links joined by a path with the given impairments each way. */
export function createSimulatedLinkPair(options: SimulatedLinkOptions): [SimulatedLink, SimulatedLink] {
  const random = seededRandom(options.seed ?? 1);
  const a = new SimulatedLink(options.clock, new PathModel(options.aToB ?? {}, random), random, options);
  const b = new SimulatedLink(options.clock, new PathModel(options.bToA ?? {}, random), random, options);
  a.connectTo(b);
  b.connectTo(a);
  return [a, b];
}
