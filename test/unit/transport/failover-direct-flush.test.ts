import { ManualClock } from 'vehikill-net/server';
import { Channel, FailoverLink, type Link, type LinkState, QualityMonitor } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/** A path the test drives: its state, whether it takes frames, and what it took. */
class FakePath implements Link {
  #state: LinkState;
  readonly #listeners = new Set<(state: LinkState) => void>();
  readonly quality: QualityMonitor;
  refusing = false;
  readonly taken: Uint8Array[] = [];
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
  stats(): never {
    throw new Error('not used');
  }
  set(state: LinkState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }
  close(): void {
    this.set('closed');
  }
}

describe('FailoverLink dispatch when the direct path comes up', () => {
  it('sends at once the dispatch frames the fallback refused (a full session outbox)', () => {
    const clock = new ManualClock();
    const relay = new FakePath(clock, 'relayed');
    const link = new FailoverLink(clock, relay);
    relay.refusing = true;
    // Taken by the link, refused by the path: they wait for a path that takes them.
    expect(link.send(Channel.dispatch, Uint8Array.of(1))).toBe(true);
    expect(link.send(Channel.dispatch, Uint8Array.of(2))).toBe(true);
    const direct = new FakePath(clock, 'connecting');
    link.useDirect(direct);
    direct.set('direct');
    expect(link.state).toBe('direct');
    // Not a second (or, backed off, eight) later, at the retransmission timer: now.
    expect(direct.taken.map((frame) => frame.at(-1))).toEqual([1, 2]);
    link.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
