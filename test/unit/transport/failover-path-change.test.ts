import { ManualClock } from 'vehikill-net/server';
import {
  Channel,
  FailoverLink,
  type Link,
  type LinkState,
  type LinkStats,
  QualityMonitor,
} from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { linkStats } from '../../support/fake-path.js';

/**
 * One end of a path between two FailoverLinks, as each end sees it: its own state (each end notices a
 * dead path by itself, at its own time), and a `dead` wire that takes frames and drops them, as a direct
 * path whose UDP is blocked does until the heartbeat gives it up.
 */
class PathEnd implements Link {
  #state: LinkState;
  readonly #stateListeners = new Set<(state: LinkState) => void>();
  readonly #messageListeners = new Set<(channel: Channel, bytes: Uint8Array) => void>();
  readonly quality: QualityMonitor;
  readonly wire: { dead: boolean };
  other: PathEnd | undefined;
  constructor(clock: ManualClock, state: LinkState, wire: { dead: boolean }) {
    this.#state = state;
    this.wire = wire;
    this.quality = new QualityMonitor({ clock });
  }
  get state(): LinkState {
    return this.#state;
  }
  send(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#state === 'closed') return false;
    if (!this.wire.dead) this.other?.arrive(channel, bytes);
    return true;
  }
  arrive(channel: Channel, bytes: Uint8Array): void {
    for (const listener of [...this.#messageListeners]) listener(channel, bytes);
  }
  onMessage(listener: (channel: Channel, bytes: Uint8Array) => void) {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }
  onState(listener: (state: LinkState) => void) {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }
  stats(): LinkStats {
    return linkStats();
  }
  /** This end gives the path up (its heartbeat heard nothing for too long). */
  close(): void {
    this.#state = 'closed';
    for (const listener of [...this.#stateListeners]) listener('closed');
  }
}

function path(clock: ManualClock, state: LinkState): [PathEnd, PathEnd] {
  const wire = { dead: false };
  const a = new PathEnd(clock, state, wire);
  const b = new PathEnd(clock, state, wire);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** Alice and Bob, linked through a relay and a direct path; Bob collects Alice's dispatch messages. */
function linkedPair() {
  const clock = new ManualClock();
  const [relayA, relayB] = path(clock, 'relayed');
  const [directA, directB] = path(clock, 'direct');
  const alice = new FailoverLink(clock, relayA);
  const bob = new FailoverLink(clock, relayB);
  alice.useDirect(directA);
  bob.useDirect(directB);
  const delivered: number[] = [];
  bob.onMessage((channel, bytes) => {
    if (channel === Channel.dispatch) delivered.push(bytes[0]! | (bytes[1]! << 8));
  });
  const send = (from: number, to: number) => {
    for (let n = from; n < to; n++)
      expect(alice.send(Channel.dispatch, Uint8Array.of(n & 0xff, n >> 8))).toBe(true);
  };
  return { clock, alice, bob, directA, directB, delivered, send };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('FailoverLink dispatch across a direct path that died', () => {
  it('delivers the backlog promptly once both ends are on the relay, though the dead path swallowed the acks', () => {
    const { clock, alice, bob, directA, directB, delivered, send } = linkedPair();
    send(0, 10);
    expect(delivered).toEqual(range(0, 10));
    clock.advance(200);
    // UDP blocked: the direct path swallows both ways, and neither end knows yet.
    directA.wire.dead = true;
    send(10, 210);
    // Unacked meanwhile, the backlog went again on timers (1, 2, 4 s): the wait is now 8 s.
    clock.advance(7_000);
    // Alice's heartbeat gives the path up first: her backlog goes again over the relay, 64 at once.
    directA.close();
    expect(alice.state).toBe('relayed');
    expect(delivered).toEqual(range(0, 74));
    // Bob, still on the dead path, acks those into it. A moment later his heartbeat gives it up too.
    clock.advance(500);
    directB.close();
    expect(bob.state).toBe('relayed');
    // Bob acks again, by the relay, what he has: the rest follows now, not after Alice's 8 s wait.
    clock.advance(200);
    expect(delivered).toEqual(range(0, 210));
    // Everything acked: no retransmission timer left waiting.
    clock.advance(200);
    expect(clock.pendingTimers).toBe(0);
    alice.close();
    bob.close();
  });
});
