import type { ManualClock } from 'vehikill-net/server';
import {
  type Channel,
  type Link,
  type LinkState,
  type LinkStats,
  QualityMonitor,
} from 'vehikill-net/transport';
import { freshStats } from '../../src/transport/link-events.js';

/** A link's stats as a new link has them, with `values` set. */
export function linkStats(values: Partial<LinkStats> = {}): LinkStats {
  return { ...freshStats(), ...values };
}

/**
 * One path of a FailoverLink that the test drives: its state, whether it takes frames, what it took,
 * and the stats it reports (`counted`, which the test sets as traffic would).
 */
export class FakePath implements Link {
  #state: LinkState;
  readonly #listeners = new Set<(state: LinkState) => void>();
  readonly quality: QualityMonitor;
  refusing = false;
  readonly taken: Uint8Array[] = [];
  counted: LinkStats = linkStats();

  constructor(clock: ManualClock, state: LinkState) {
    this.#state = state;
    this.quality = new QualityMonitor({ clock });
  }

  get state(): LinkState {
    return this.#state;
  }

  send(_channel: Channel, bytes: Uint8Array): boolean {
    if (this.refusing || this.#state === 'closed') return false;
    this.taken.push(bytes);
    return true;
  }

  onMessage() {
    return () => {};
  }

  onState(listener: (state: LinkState) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats(): LinkStats {
    return { ...this.counted };
  }

  set(state: LinkState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }

  close(): void {
    this.set('closed');
  }
}
