import type { Cancel, Clock } from '../../common/index.js';
import { Channel, DEFAULT_EVENT_LIFETIME_MS } from '../channels.js';
import { type NetworkConditions, PathModel } from './network-conditions.js';
import { seededRandom } from './seeded-random.js';

/** Impairments per channel; the link's own keepalive frames follow `phys` (they are datagrams too). */
export interface ChannelConditions {
  phys?: NetworkConditions;
  event?: NetworkConditions;
  dispatch?: NetworkConditions;
}

/**
 * What a developer asks the conditioner for: per channel conditions for both directions, overridden per
 * direction by `up` (what this side sends) and `down` (what it receives). Times in ms, rates 0..1.
 */
export interface ConditionerSettings extends ChannelConditions {
  up?: ChannelConditions;
  down?: ChannelConditions;
  /** Same seed, same fates for the same traffic. Default 1. */
  seed?: number;
}

/** A channel as the conditioner sees it: the three, and the link's control frames. */
export type ConditionedChannel = Channel | 'control';

type Direction = 'up' | 'down';

/** Smallest retransmission delay of a conditioned reliable message (ms), as on a real stack. */
const MIN_RTO_MS = 10;

/**
 * A developer's network conditioner: bad-network conditions (delay, jitter, loss, bursts, duplicates)
 * added in user space to a client's own links, both ways, with each channel's semantics kept: a lost
 * `phys` sample is gone, a lost `event` comes later while younger than its lifetime, a lost `dispatch`
 * message comes later (a retransmission) and in order. Applied below a link's counters and keepalive,
 * so the link's quality monitor sees the conditions as it would see a real bad network.
 * Settings can change at any time (`set`); each link takes a `pipe()`.
 */
export class Conditioner {
  readonly #clock: Clock;
  #settings: ConditionerSettings | undefined;
  #paths = new Map<string, PathModel>();

  constructor(clock: Clock, settings?: ConditionerSettings) {
    this.#clock = clock;
    this.set(settings);
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** The conditions in force; undefined when the conditioner is off. */
  get settings(): ConditionerSettings | undefined {
    return this.#settings;
  }

  /** New conditions from now on (messages already delayed keep their fate); undefined turns it off. */
  set(settings: ConditionerSettings | undefined): void {
    const paths = new Map<string, PathModel>();
    if (settings) {
      const random = seededRandom(settings.seed ?? 1);
      for (const direction of ['up', 'down'] as const) {
        for (const channel of [Channel.phys, Channel.event, Channel.dispatch]) {
          const conditions = settings[direction]?.[channel] ?? settings[channel];
          // Validates at once (bad configuration throws here, not on the next message).
          if (conditions) paths.set(`${direction}:${channel}`, new PathModel(conditions, random));
        }
      }
    }
    this.#settings = settings;
    this.#paths = paths;
  }

  /** One link's way through the conditioner (it keeps that link's ordering and timers). */
  pipe(eventLifetimeMs = DEFAULT_EVENT_LIFETIME_MS): ConditionedPipe {
    return new ConditionedPipe(this, eventLifetimeMs);
  }

  /** Whether no conditions are set: every message passes as it comes. */
  get off(): boolean {
    return this.#paths.size === 0;
  }

  /** @internal */
  path(direction: Direction, channel: ConditionedChannel): PathModel | undefined {
    return this.#paths.get(`${direction}:${channel === 'control' ? Channel.phys : channel}`);
  }
}

/** One link's traffic through a Conditioner: `outbound` before it leaves, `inbound` as it arrives. */
export class ConditionedPipe {
  readonly #conditioner: Conditioner;
  readonly #eventLifetimeMs: number;
  /** What is held back, per direction. */
  readonly #timers: Record<Direction, Set<Cancel>> = { up: new Set(), down: new Set() };
  /** When the newest dispatch message of each direction is due: later ones may not overtake it. */
  readonly #dispatchDue: Record<Direction, number> = { up: 0, down: 0 };

  constructor(conditioner: Conditioner, eventLifetimeMs: number) {
    this.#conditioner = conditioner;
    this.#eventLifetimeMs = eventLifetimeMs;
  }

  /**
   * True while the conditioner is off and nothing is held back: a message would pass at once and in
   * order, so the link may hand it on itself (no copy, no closure: the common case, on every message).
   */
  get idle(): boolean {
    return this.#conditioner.off && this.#timers.up.size === 0 && this.#timers.down.size === 0;
  }

  outbound(channel: ConditionedChannel, bytes: Uint8Array, pass: (bytes: Uint8Array) => void): void {
    this.#through('up', channel, bytes, pass);
  }

  inbound(channel: ConditionedChannel, bytes: Uint8Array, pass: (bytes: Uint8Array) => void): void {
    this.#through('down', channel, bytes, pass);
  }

  /** Drops whatever is still held back (the link closed). */
  close(): void {
    this.closeInbound();
    for (const cancel of this.#timers.up) cancel();
    this.#timers.up.clear();
  }

  /**
   * Drops what is held back on its way in, and lets what is on its way out go on (the link closed by
   * choice: what it sent before is on its way, as it would be on the real path).
   */
  closeInbound(): void {
    for (const cancel of this.#timers.down) cancel();
    this.#timers.down.clear();
  }

  #through(
    direction: Direction,
    channel: ConditionedChannel,
    bytes: Uint8Array,
    pass: (bytes: Uint8Array) => void,
  ): void {
    const path = this.#conditioner.path(direction, channel);
    if (!path && !(channel === Channel.dispatch && this.#dispatchDue[direction] > this.#now())) {
      pass(bytes);
      return;
    }
    const delays = path ? this.#fate(path, channel) : [0];
    if (delays === undefined) return;
    if (channel === Channel.dispatch) {
      // In order: never before the dispatch message ahead of it.
      const due = Math.max(this.#now() + (delays[0] ?? 0), this.#dispatchDue[direction]);
      this.#dispatchDue[direction] = due;
      this.#after(direction, due - this.#now(), () => pass(bytes));
      return;
    }
    // Only datagrams can arrive twice; reliable channels deliver once.
    const copies = channel === Channel.phys || channel === 'control' ? delays : delays.slice(0, 1);
    for (const delay of copies) {
      if (delay <= 0) pass(bytes);
      else this.#after(direction, delay, () => pass(bytes));
    }
  }

  /** Delays of the copies that arrive; undefined when the message is lost for good. */
  #fate(path: PathModel, channel: ConditionedChannel): number[] | undefined {
    const first = path.fate();
    if (first.length > 0) return first;
    if (channel === Channel.phys || channel === 'control') return undefined;
    // Lost once: retransmitted about a round trip later, until it gets through (within the lifetime
    // for `event`).
    const rto = Math.max(MIN_RTO_MS, 2 * (path.baseDelayMs + path.jitterMs));
    let waited = 0;
    for (let attempt = 0; attempt < 64; attempt++) {
      waited += rto;
      if (channel === Channel.event && waited > this.#eventLifetimeMs) return undefined;
      const copies = path.fate();
      if (copies.length > 0) return [waited + (copies[0] ?? 0)];
    }
    return channel === Channel.dispatch ? [waited] : undefined;
  }

  #now(): number {
    return this.#conditioner.clock.now();
  }

  #after(direction: Direction, delayMs: number, run: () => void): void {
    const timers = this.#timers[direction];
    const cancel = this.#conditioner.clock.setTimeout(() => {
      timers.delete(cancel);
      run();
    }, delayMs);
    timers.add(cancel);
  }
}
