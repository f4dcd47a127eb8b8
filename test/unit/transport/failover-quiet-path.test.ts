import {
  Channel,
  FailoverLink,
  type FailoverOptions,
  type Link,
  type LinkState,
  type LinkStats,
  QualityMonitor,
} from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { type Cancel, every, ManualClock } from '../../../src/common/clock.js';
import { linkStats } from '../../support/fake-path.js';

/** One way of a wire: `dead` drops what is sent that way, as blocked UDP does, with nothing said. */
interface Way {
  dead: boolean;
}

/**
 * One end of a path between two FailoverLinks, as a direct link with a keepalive is: it beats once a
 * second, answers a probe at once, and knows when it last heard anything from the other end. What it
 * sends the other way arrives at once unless that way is dead. `taken` counts the data it carried.
 */
class PathEnd implements Link {
  #state: LinkState;
  readonly #clock: ManualClock;
  readonly #stateListeners = new Set<(state: LinkState) => void>();
  readonly #messageListeners = new Set<(channel: Channel, bytes: Uint8Array) => void>();
  readonly #stopBeats: Cancel;
  readonly quality: QualityMonitor;
  lastHeardAt: number;
  /** When the other end's probe (a beat saying it heard nothing) last reached this one. */
  peerUnheardAt = Number.NEGATIVE_INFINITY;
  probes = 0;
  taken = 0;
  other: PathEnd | undefined;
  out: Way = { dead: false };

  constructor(clock: ManualClock, state: LinkState, beats: boolean) {
    this.#clock = clock;
    this.#state = state;
    this.quality = new QualityMonitor({ clock });
    this.lastHeardAt = clock.now();
    this.#stopBeats = beats ? every(clock, 1_000, () => this.#control()) : () => {};
  }
  get state(): LinkState {
    return this.#state;
  }
  send(channel: Channel, bytes: Uint8Array): boolean {
    if (this.#state === 'closed') return false;
    this.taken++;
    if (!this.out.dead) this.other?.arrive(channel, bytes);
    return true;
  }
  probe(): void {
    this.probes++;
    const other = this.other;
    if (this.out.dead || !other) return;
    other.peerUnheardAt = this.#clock.now();
    other.answerProbe();
  }
  answerProbe(): void {
    this.#control();
  }
  arrive(channel: Channel, bytes: Uint8Array): void {
    this.lastHeardAt = this.#clock.now();
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
  close(): void {
    this.#stopBeats();
    this.#state = 'closed';
    for (const listener of [...this.#stateListeners]) listener('closed');
  }
  /** A keepalive frame to the other end: heard there, as anything is, unless this way is dead. */
  #control(): void {
    const other = this.other;
    if (!this.out.dead && other) other.lastHeardAt = this.#clock.now();
  }
}

function path(clock: ManualClock, state: LinkState, beats: boolean): [PathEnd, PathEnd] {
  const a = new PathEnd(clock, state, beats);
  const b = new PathEnd(clock, state, beats);
  a.other = b;
  b.other = a;
  return [a, b];
}

/** Alice and Bob, linked through a relay and a direct path with keepalives; what each took, by channel. */
function linkedPair(options?: FailoverOptions) {
  const clock = new ManualClock();
  const [relayA, relayB] = path(clock, 'relayed', false);
  const [directA, directB] = path(clock, 'direct', true);
  const alice = new FailoverLink(clock, relayA, {}, options);
  const bob = new FailoverLink(clock, relayB, {}, options);
  alice.useDirect(directA);
  bob.useDirect(directB);
  const toBob: { channel: Channel; n: number }[] = [];
  bob.onMessage((channel, bytes) => toBob.push({ channel, n: bytes[0]! | (bytes[1]! << 8) }));
  const aliceStates: string[] = [];
  alice.onState((state) => aliceStates.push(state));
  /** UDP cut off both ways, or restored. */
  const cut = (dead: boolean) => {
    directA.out.dead = dead;
    directB.out.dead = dead;
  };
  return { clock, alice, bob, relayA, directA, directB, toBob, aliceStates, cut };
}

describe('FailoverLink with a direct path gone quiet', () => {
  it('sends over the fallback once nothing is heard for 1.5 s, keeps the path open, and takes it back when heard', () => {
    const { clock, alice, relayA, directA, toBob, aliceStates, cut } = linkedPair();
    expect(alice.state).toBe('direct');
    // Samples at 20 Hz, each numbered.
    let n = 0;
    const stop = every(clock, 50, () => alice.send(Channel.phys, Uint8Array.of(n & 0xff, n++ >> 8)));
    clock.advance(1_000);
    expect(relayA.taken).toBe(0);
    cut(true);
    const cutAt = n;
    clock.advance(1_400);
    expect(alice.state).toBe('direct');
    clock.advance(200);
    // 1.5 s without a word: the fallback carries the samples; the direct path is not given up.
    expect(alice.state).toBe('relayed');
    expect(aliceStates).toEqual(['relayed']);
    expect(directA.state).toBe('direct');
    const lost = toBob.filter((m) => m.n >= cutAt);
    expect(lost.length).toBeGreaterThan(0); // through the relay, no longer into the dead path
    const received = toBob.length;
    clock.advance(1_000);
    expect(toBob.length - received).toBe(20);
    expect(alice.quality).toBeDefined();
    // UDP back: the next keepalive or probe is heard, and the path carries the samples again.
    cut(false);
    const relayedBefore = relayA.taken;
    clock.advance(1_100);
    expect(alice.state).toBe('direct');
    expect(aliceStates).toEqual(['relayed', 'direct']);
    const relayedAfter = relayA.taken;
    clock.advance(1_000);
    expect(relayA.taken).toBe(relayedAfter);
    expect(relayedAfter).toBeGreaterThan(relayedBefore);
    stop();
    alice.close();
  });

  it('asks the peer for an answer a beat late, so an idle path that lost a beat never goes quiet', () => {
    const { clock, alice, directA, directB, aliceStates } = linkedPair();
    clock.advance(5_000);
    const probes = directA.probes;
    // Bob's next beat is lost: Alice has heard nothing for more than a period.
    directB.out.dead = true;
    clock.advance(1_000);
    directB.out.dead = false;
    clock.advance(1_000);
    // She asked at 1.125 s of silence, Bob answered, and the link stayed where it was.
    expect(directA.probes).toBe(probes + 1);
    expect(alice.state).toBe('direct');
    expect(aliceStates).toEqual([]);
    alice.close();
  });

  it('carries dispatch exactly once and in order while both ends are quiet, and after they are heard again', () => {
    const { clock, alice, bob, toBob, cut } = linkedPair();
    const dispatched = () => toBob.filter((m) => m.channel === Channel.dispatch).map((m) => m.n);
    let n = 0;
    const stop = every(clock, 20, () => alice.send(Channel.dispatch, Uint8Array.of(n & 0xff, n++ >> 8)));
    clock.advance(500);
    cut(true);
    clock.advance(1_600);
    expect([alice.state, bob.state]).toEqual(['relayed', 'relayed']);
    // What the dead path swallowed went again over the relay as Alice's path went quiet; Bob's acks
    // take the relay too, so nothing waits for the path's death.
    clock.advance(300);
    expect(dispatched()).toEqual(Array.from({ length: n }, (_, i) => i));
    cut(false);
    clock.advance(600);
    expect([alice.state, bob.state]).toEqual(['direct', 'direct']);
    clock.advance(1_000);
    stop();
    clock.advance(2_000);
    expect(dispatched()).toEqual(Array.from({ length: n }, (_, i) => i));
    alice.close();
    bob.close();
  });

  it('is heard again at once by data on the direct path', () => {
    const { clock, alice, bob, directB } = linkedPair();
    // One way only: Bob's frames to Alice are lost. Alice's path goes quiet; Bob hears her, and his
    // stays direct.
    directB.out.dead = true;
    clock.advance(1_600);
    expect([alice.state, bob.state]).toEqual(['relayed', 'direct']);
    directB.out.dead = false;
    // Bob's next message on the direct path is heard at Alice's end: hers is in use again at once.
    bob.send(Channel.phys, Uint8Array.of(0, 0));
    expect(alice.state).toBe('direct');
    alice.close();
    bob.close();
  });

  it('follows a peer that sends by the fallback: a path dead one way leaves neither end sending into it', () => {
    const { clock, alice, bob, directB, toBob } = linkedPair();
    const toAlice: number[] = [];
    alice.onMessage((channel, bytes) => {
      if (channel === Channel.dispatch) toAlice.push(bytes[0]! | (bytes[1]! << 8));
    });
    const bobStates: string[] = [];
    bob.onState((state) => bobStates.push(state));
    let n = 0;
    const stop = every(clock, 20, () => {
      alice.send(Channel.dispatch, Uint8Array.of(n & 0xff, n >> 8));
      bob.send(Channel.dispatch, Uint8Array.of(n & 0xff, n >> 8));
      n++;
    });
    clock.advance(2_000);
    // Bob's frames to Alice are lost from here: Alice hears nothing, Bob hears Alice as before.
    directB.out.dead = true;
    clock.advance(1_600);
    // Alice's path went quiet, so her traffic came by the relay: Bob took that to mean she cannot hear
    // him on the path, and sends by the relay too, where his acks and messages reach her.
    expect([alice.state, bob.state]).toEqual(['relayed', 'relayed']);
    expect(bob.direct?.state).toBe('direct');
    clock.advance(500);
    const everything = () => Array.from({ length: n }, (_, i) => i);
    expect(toBob.filter((m) => m.channel === Channel.dispatch).map((m) => m.n)).toEqual(everything());
    expect(toAlice).toEqual(everything());
    // The way back: Alice hears Bob's beats, her traffic takes the path again, and Bob's follows it.
    directB.out.dead = false;
    clock.advance(1_100);
    expect([alice.state, bob.state]).toEqual(['direct', 'direct']);
    expect(bobStates).toEqual(['relayed', 'direct']);
    stop();
    clock.advance(2_000);
    expect(toAlice).toEqual(everything());
    alice.close();
    bob.close();
  });

  it('follows no peer that hears it: two ends sending by the fallback do not hold each other there', () => {
    const { clock, alice, bob, relayA } = linkedPair();
    clock.advance(2_000);
    // Traffic by the relay both ways while both ends hear each other on the path (no probes): a peer
    // that sends so is not deaf to us, and following it would let two followers keep each other off it.
    relayA.send(Channel.phys, Uint8Array.of(1));
    relayA.other?.send(Channel.phys, Uint8Array.of(2));
    expect([alice.state, bob.state]).toEqual(['direct', 'direct']);
    alice.close();
    bob.close();
  });

  it("takes no notice of the peer's traffic by the fallback as a path comes up: both ends change a round trip apart", () => {
    const { clock, alice, relayA, directA } = linkedPair();
    const [directA2] = path(clock, 'direct', true);
    alice.useDirect(directA2);
    // The peer's last messages by the relay, sent before its end of the path came up.
    clock.advance(200);
    relayA.other?.send(Channel.phys, Uint8Array.of(1));
    expect(alice.state).toBe('direct');
    expect(directA.state).toBe('closed');
    alice.close();
  });

  it('judges no silence on a check that runs late: the process stood still, not the peer', () => {
    const clock = new LateClock();
    const [relayA] = path(clock, 'relayed', false);
    const [directA] = path(clock, 'direct', false);
    // Its probes go unanswered: the path is silent.
    directA.out.dead = true;
    const alice = new FailoverLink(clock, relayA);
    alice.useDirect(directA);
    // Every timer runs 400 ms late, as under a page frozen in the background: nothing is judged.
    clock.lateMs = 400;
    clock.advance(10_000);
    expect(alice.state).toBe('direct');
    // On time again, the silence is judged at the next check.
    clock.lateMs = 0;
    clock.advance(1_000);
    expect(alice.state).toBe('relayed');
    alice.close();
  });

  it('reads what came in the same turn before it judges: a starved process does not call every path quiet', () => {
    const clock = new ManualClock();
    const [relayA] = path(clock, 'relayed', false);
    const [directA] = path(clock, 'direct', false);
    directA.out.dead = true; // its probes go unanswered
    const alice = new FailoverLink(clock, relayA);
    alice.useDirect(directA);
    clock.advance(1_200);
    // A frame that waited to be read while the process stood still: read in the turn in which the check
    // falls due, after the timers (as Node reads I/O after its due timers).
    clock.setTimeout(() => {
      directA.lastHeardAt = clock.now();
    }, 300);
    clock.advance(300);
    expect(alice.state).toBe('direct');
    clock.advance(1_600);
    expect(alice.state).toBe('relayed');
    alice.close();
  });

  it('takes quietAfterMs: Infinity never hands traffic over before the path closes; 0 is refused', () => {
    const { clock, alice, directA, cut } = linkedPair({ quietAfterMs: Number.POSITIVE_INFINITY });
    cut(true);
    clock.advance(3_900);
    expect(alice.state).toBe('direct');
    expect(directA.probes).toBe(0);
    directA.close();
    expect(alice.state).toBe('relayed');
    const [relay] = path(clock, 'relayed', false);
    for (const quietAfterMs of [0, -1, Number.NaN]) {
      expect(() => new FailoverLink(clock, relay, {}, { quietAfterMs })).toThrow(/quietAfterMs/);
    }
    alice.close();
  });

  it('watches a new direct path afresh: the handshake before it is no silence', () => {
    const { clock, alice, directA, relayA } = linkedPair();
    const [directA2] = path(clock, 'direct', false);
    // Its last word was long before it came up (a slow handshake); it is watched from when it is used.
    directA2.lastHeardAt = clock.now() - 10_000;
    directA2.out.dead = true;
    alice.useDirect(directA2);
    expect(directA.state).toBe('closed');
    expect(alice.state).toBe('direct');
    alice.send(Channel.phys, Uint8Array.of(1));
    expect(directA2.taken).toBe(1);
    expect(relayA.taken).toBe(0);
    clock.advance(1_000);
    expect(alice.state).toBe('direct');
    clock.advance(600);
    expect(alice.state).toBe('relayed');
    alice.close();
  });
});

/** A ManualClock whose timers run `lateMs` after they were due, as a stalled event loop runs them. */
class LateClock extends ManualClock {
  lateMs = 0;
  override setTimeout(callback: () => void, delayMs: number): Cancel {
    return super.setTimeout(callback, delayMs + this.lateMs);
  }
}
