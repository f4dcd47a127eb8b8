import { type Disposer, Emitter } from '../common/index.js';
import type { Channel } from './channels.js';
import type { Link, LinkState, LinkStats } from './link.js';
import { zeroCounters } from './link-counters.js';
import { MessageListeners } from './message-listeners.js';
import type { QualityView } from './quality/quality-monitor.js';

/** The listeners every Link keeps, and the stats it starts from: one implementation for all of them. */
export class LinkEvents {
  readonly #messages = new MessageListeners();
  readonly #emitter = new Emitter<{ state: LinkState }>();

  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void): Disposer {
    return this.#messages.add(listener);
  }

  onState(listener: (state: LinkState) => void): Disposer {
    return this.#emitter.on('state', listener);
  }

  message(channel: Channel, bytes: Uint8Array): void {
    this.#messages.emit(channel, bytes);
  }

  state(state: LinkState): void {
    this.#emitter.emit('state', state);
  }

  clear(): void {
    this.#messages.clear();
    this.#emitter.removeAll();
  }
}

export function freshStats(): LinkStats {
  return {
    rttMs: Number.NaN,
    lossRate: Number.NaN,
    jitterMs: Number.NaN,
    lossUp: Number.NaN,
    lossDown: Number.NaN,
    kbpsIn: 0,
    kbpsOut: 0,
    grade: 'good',
    ...zeroCounters(),
  };
}

/** A link's counters together with what its quality monitor says. */
export function statsWithQuality(counters: LinkStats, quality: QualityView): LinkStats {
  const now = quality.snapshot();
  return {
    ...counters,
    // Only a simulated link counts this itself; every other kind has it from the peer's reports, as lossUp.
    lossRate: Number.isNaN(counters.lossRate) ? now.lossUp : counters.lossRate,
    jitterMs: now.jitterMs,
    lossUp: now.lossUp,
    lossDown: now.lossDown,
    kbpsIn: now.kbpsIn,
    kbpsOut: now.kbpsOut,
    grade: now.grade,
  };
}

/**
 * What every Link implementation shares: listeners and the counters behind `stats()`. Subclasses add
 * how bytes travel (`send`, `close`, `state`).
 */
export abstract class LinkBase implements Link {
  protected readonly events = new LinkEvents();
  protected readonly counters: LinkStats = freshStats();

  abstract readonly state: LinkState;
  abstract readonly quality: QualityView;
  abstract send(channel: Channel, bytes: Uint8Array): boolean;
  abstract close(): void;

  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void): Disposer {
    return this.events.onMessage(listener);
  }

  onState(listener: (state: LinkState) => void): Disposer {
    return this.events.onState(listener);
  }

  stats(): LinkStats {
    return statsWithQuality(this.counters, this.quality);
  }
}
