import {
  type DirectAttempts,
  type DirectOutcome,
  HandshakePacer,
  ManualClock,
  ServerLink,
} from 'vehikill-net/server';
import {
  type Link,
  type LinkState,
  type LinkStats,
  QualityMonitor,
  type RtcSignaling,
} from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { linkStats } from '../../support/fake-path.js';

const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

/**
 * A direct attempt the test drives: it offers at once, then goes direct or closes when told. Like the
 * native link it takes one answer (type `answer`, an SDP starting `v=0`) and refuses any other description.
 */
class FakeAttempt implements Link {
  #state: LinkState = 'connecting';
  readonly #listeners = new Set<(state: LinkState) => void>();
  readonly quality: QualityMonitor;
  #answered = false;
  constructor(
    clock: ManualClock,
    readonly n: number,
    signaling: RtcSignaling,
    answered: (accepted: boolean) => void,
  ) {
    this.quality = new QualityMonitor({ clock });
    signaling.onSignal((signal) => {
      if (!('description' in signal) || this.#answered || this.#state === 'closed') return;
      const { type, sdp } = signal.description;
      this.#answered = type === 'answer' && sdp?.startsWith('v=0') === true;
      answered(this.#answered);
    });
    signaling.send({ description: { type: 'offer', sdp: 'v=0' } });
  }
  get state(): LinkState {
    return this.#state;
  }
  send = () => false;
  onMessage = () => () => {};
  onState(listener: (state: LinkState) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  stats(): LinkStats {
    return linkStats();
  }
  #set(state: LinkState): void {
    if (this.#state === 'closed') return;
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }
  goDirect(): void {
    this.#set('direct');
  }
  close(): void {
    this.#set('closed');
  }
}

interface Setup {
  clock: ManualClock;
  player: { connected: boolean };
  link: ServerLink;
  made: FakeAttempt[];
  ranks: number[];
  outcomes: DirectOutcome[];
  gaveUp: number[];
  /** Handshakes scheduled and not yet done (waiting or in progress). */
  outstanding: () => number;
  attempts: (overrides?: Partial<DirectAttempts>) => DirectAttempts;
}

function setup(defaults: Partial<DirectAttempts> = {}): Setup {
  const clock = new ManualClock();
  const player = { connected: true };
  const link = new ServerLink(
    clock,
    () => {},
    () => 0,
    undefined,
    () => player.connected,
  );
  const made: FakeAttempt[] = [];
  const ranks: number[] = [];
  const outcomes: DirectOutcome[] = [];
  const gaveUp: number[] = [];
  let outstanding = 0;
  const attempts = (overrides: Partial<DirectAttempts> = {}): DirectAttempts => ({
    // Starts at once (as an idle pacer does, synchronously here for the test's ease).
    schedule: (create, rank) => {
      ranks.push(rank);
      outstanding++;
      let ended = false;
      const end = () => {
        if (!ended) outstanding--;
        ended = true;
      };
      queueMicrotask(() => {
        if (!ended) create();
      });
      return { done: end, cancel: end };
    },
    connect: (n, signaling, answered) => {
      const attempt = new FakeAttempt(clock, n, signaling, answered);
      made.push(attempt);
      return attempt;
    },
    sendSignal: () => {},
    directTimeoutMs: 10_000,
    retryMs: 15_000,
    outcome: (outcome) => outcomes.push(outcome),
    gaveUp: (failures) => gaveUp.push(failures),
    ...defaults,
    ...overrides,
  });
  return { clock, player, link, made, ranks, outcomes, gaveUp, outstanding: () => outstanding, attempts };
}

describe('ServerLink direct attempts: retries keep a backoff', () => {
  it("a client's retry after a failure skips the backoff once per retryMs; otherwise the attempt waits it", async () => {
    const { clock, link, made, attempts } = setup();
    link.enableDirect(attempts());
    await settle();
    expect(made.length).toBe(1);
    clock.advance(10_000); // no answer, not direct: abandoned; the next attempt is due in 0.5 s
    link.retryNow(); // the network came back: at once
    await settle();
    expect(made.length).toBe(2);
    clock.advance(10_000); // fails again: the next is due in 1 s
    for (let i = 0; i < 50; i++) link.retryNow();
    await settle();
    expect(made.length).toBe(2);
    clock.advance(999);
    await settle();
    expect(made.length).toBe(2);
    clock.advance(1);
    await settle();
    expect(made.length).toBe(3);
    link.close();
  });

  it('never has more than one handshake of a session waiting or in progress, however often it asks', async () => {
    const clock = new ManualClock();
    // One slot, held by someone else: the session's request waits.
    const pacer = new HandshakePacer(clock, { concurrent: 1, perSecond: 1_000 });
    pacer.request(() => {}, { address: 'other' });
    const { link, attempts } = setup();
    link.enableDirect(
      attempts({ schedule: (create, rank) => pacer.request(create, { address: 'A', rank }) }),
    );
    for (let i = 0; i < 100; i++) {
      link.retryNow();
      link.enableDirect(
        attempts({ schedule: (create, rank) => pacer.request(create, { address: 'A', rank }) }),
      );
    }
    await settle();
    expect(pacer.waiting).toBe(1);
    link.close();
    expect(pacer.waiting).toBe(0);
  });

  it('asks the pacer with its failed attempts in a row as the rank, back to 0 once direct for retryMs', async () => {
    const { clock, link, made, ranks, attempts } = setup();
    link.enableDirect(attempts());
    await settle();
    clock.advance(10_000 + 500);
    await settle();
    clock.advance(10_000 + 1_000);
    await settle();
    made.at(-1)?.goDirect();
    clock.advance(15_000);
    made.at(-1)?.close(); // a direct link that lasted, then died: retried soon, ranked as a first failure
    clock.advance(500);
    await settle();
    expect(ranks).toEqual([0, 1, 2, 1]);
    link.close();
  });

  it('counts a direct link that dies within retryMs as a failed attempt: one closed as it comes up backs off, then stops', async () => {
    const { clock, link, made, ranks, gaveUp, attempts } = setup();
    link.enableDirect(attempts({ maxFailedAttempts: 6 }));
    const startedAt: number[] = [];
    for (let i = 0; i < 100 && !link.gaveUp; i++) {
      await settle();
      if (made.length > startedAt.length) {
        startedAt.push(clock.now());
        made.at(-1)?.goDirect();
        made.at(-1)?.close(); // the client's goodbye the moment the link is up
      }
      clock.advance(500);
    }
    await settle();
    clock.advance(60_000);
    await settle();
    expect(made.length).toBe(6);
    expect(ranks).toEqual([0, 1, 2, 3, 4, 5]);
    // Waits of 0.5, 1, 2, 4 and 8 s between them, not 0.5 s for ever.
    expect(startedAt.slice(1).map((at, i) => at - startedAt[i]!)).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    expect(gaveUp).toEqual([6]);
    link.close();
  });
});

describe('ServerLink direct attempts: a slot whose client never answers', () => {
  it('abandons an attempt whose offer has no answer within answerTimeoutMs', async () => {
    const { clock, link, made, outcomes, outstanding, attempts } = setup();
    link.enableDirect(attempts({ answerTimeoutMs: 3_000 }));
    await settle();
    expect(outstanding()).toBe(1);
    clock.advance(2_999);
    expect(made[0]?.state).toBe('connecting');
    clock.advance(1);
    expect(made[0]?.state).toBe('closed');
    expect(outstanding()).toBe(0); // the slot is free again
    expect(outcomes).toEqual(['no-answer']);
    link.close();
  });

  it('gives an attempt whose offer was answered all of directTimeoutMs (ICE on a slow network)', async () => {
    const { clock, link, made, outcomes, attempts } = setup();
    link.enableDirect(attempts({ answerTimeoutMs: 3_000 }));
    await settle();
    clock.advance(2_000);
    link.receiveSignal(made[0]?.n ?? 0, { description: { type: 'answer', sdp: 'v=0' } });
    clock.advance(7_999);
    expect(made[0]?.state).toBe('connecting');
    clock.advance(1);
    expect(made[0]?.state).toBe('closed');
    expect(outcomes).toEqual(['timeout']);
    link.close();
  });

  it("ignores an answer to an older attempt, and counts each attempt's end once", async () => {
    const { clock, link, made, outcomes, attempts } = setup();
    link.enableDirect(attempts({ answerTimeoutMs: 3_000 }));
    await settle();
    clock.advance(3_000 + 500);
    await settle();
    link.receiveSignal(1, { description: { type: 'answer', sdp: 'v=0' } }); // attempt 1's, late
    clock.advance(3_000);
    expect(made[1]?.state).toBe('closed');
    clock.advance(1_000);
    await settle();
    made[2]?.goDirect();
    made[2]?.close(); // was direct: no failed attempt
    expect(outcomes).toEqual(['no-answer', 'no-answer', 'direct']);
    link.close();
  });
});

describe('ServerLink direct attempts: only an answer the link took stops the answer timer', () => {
  it('ends an attempt whose answer the link refused at once, as a failure', async () => {
    const { clock, link, made, outcomes, outstanding, attempts } = setup();
    link.enableDirect(attempts({ answerTimeoutMs: 3_000 }));
    await settle();
    link.receiveSignal(made[0]?.n ?? 0, { description: { type: 'offer', sdp: 'x' } });
    expect(made[0]?.state).toBe('closed');
    expect(outstanding()).toBe(0); // the slot is free again
    expect(outcomes).toEqual(['bad-answer']);
    expect(link.failedAttempts).toBe(1);
    clock.advance(500); // retried after the backoff of a first failure
    await settle();
    expect(made.length).toBe(2);
    link.close();
  });

  it('keeps the answer timer for a description the link has not applied', async () => {
    const { clock, link, made, outcomes, attempts } = setup();
    // A link that says nothing of the answer (it could not apply it yet): the timer goes on.
    link.enableDirect(
      attempts({
        answerTimeoutMs: 3_000,
        connect: (n, signaling) => {
          const attempt = new FakeAttempt(clock, n, signaling, () => {});
          made.push(attempt);
          return attempt;
        },
      }),
    );
    await settle();
    link.receiveSignal(made[0]?.n ?? 0, { description: { type: 'answer', sdp: 'v=0' } });
    clock.advance(3_000);
    expect(made[0]?.state).toBe('closed');
    expect(outcomes).toEqual(['no-answer']);
    link.close();
  });

  it('ignores descriptions after the answer the link took: the attempt keeps directTimeoutMs', async () => {
    const { clock, link, made, outcomes, attempts } = setup();
    link.enableDirect(attempts({ answerTimeoutMs: 3_000 }));
    await settle();
    link.receiveSignal(made[0]?.n ?? 0, { description: { type: 'answer', sdp: 'v=0' } });
    link.receiveSignal(made[0]?.n ?? 0, { description: { type: 'offer', sdp: 'x' } });
    clock.advance(9_999);
    expect(made[0]?.state).toBe('connecting');
    clock.advance(1);
    expect(outcomes).toEqual(['timeout']);
    link.close();
  });
});

describe('ServerLink direct attempts: while the player is away', () => {
  it('gives back a slot whose turn came while the player was away, counting no failure; the resume starts it', async () => {
    const clock = new ManualClock();
    const pacer = new HandshakePacer(clock, { concurrent: 1, perSecond: 1_000 });
    const other = pacer.request(() => {}, { address: 'other' });
    const { player, link, made, outcomes, attempts } = setup();
    const paced = () =>
      attempts({ schedule: (create, rank) => pacer.request(create, { address: 'A', rank }) });
    link.enableDirect(paced());
    await settle();
    expect(pacer.waiting).toBe(1);
    player.connected = false;
    other.done(); // the session's turn, while its player is away
    await settle();
    await settle();
    expect(made.length).toBe(0);
    expect(pacer.running).toBe(0);
    expect(pacer.waiting).toBe(0);
    expect(outcomes).toEqual([]);
    expect(link.failedAttempts).toBe(0);
    player.connected = true;
    link.enableDirect(paced()); // the resume's hello
    await settle();
    await settle();
    expect(made.length).toBe(1);
    expect(pacer.running).toBe(1);
    link.close();
    expect(pacer.running).toBe(0);
  });
});

describe('ServerLink direct attempts: each attempt started has an outcome', () => {
  it('counts an attempt in progress when the link closes (the session ended) as abandoned', async () => {
    const { link, made, outcomes, outstanding, attempts } = setup();
    link.enableDirect(attempts());
    await settle();
    expect(made.length).toBe(1);
    link.close();
    expect(made[0]?.state).toBe('closed');
    expect(outcomes).toEqual(['abandoned']);
    expect(outstanding()).toBe(0);
  });

  it('counts nothing more for a direct link, nor for an attempt that never started', async () => {
    const direct = setup();
    direct.link.enableDirect(direct.attempts());
    await settle();
    direct.made[0]?.goDirect();
    direct.link.close();
    expect(direct.outcomes).toEqual(['direct']);
    const queued = setup();
    queued.link.enableDirect(queued.attempts());
    queued.link.close(); // before its turn came
    await settle();
    expect(queued.made.length).toBe(0);
    expect(queued.outcomes).toEqual([]);
  });
});

describe('ServerLink direct attempts: attempts that never complete are capped', () => {
  it('stops after maxFailedAttempts in a row: told once, no timers left, retries do nothing', async () => {
    const { clock, link, made, gaveUp, attempts } = setup();
    link.enableDirect(attempts({ maxFailedAttempts: 3, retryMs: 2_000 }));
    for (let i = 0; i < 3; i++) {
      await settle();
      clock.advance(10_000);
      clock.advance(2_000);
    }
    await settle();
    expect(made.length).toBe(3);
    expect(link.gaveUp).toBe(true);
    expect(gaveUp).toEqual([3]);
    expect(link.state).toBe('relayed'); // TCP mode goes on
    link.retryNow();
    link.enableDirect(attempts({ maxFailedAttempts: 3, retryMs: 2_000 })); // a resume, same address
    clock.advance(60_000);
    await settle();
    expect(made.length).toBe(3);
    expect(gaveUp).toEqual([3]);
    link.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('tries again after a resume from another address (another network), with a fresh count', async () => {
    const { clock, link, made, ranks, attempts } = setup();
    link.enableDirect(attempts({ maxFailedAttempts: 2, address: '203.0.113.7' }));
    await settle();
    clock.advance(10_000 + 500);
    await settle();
    clock.advance(10_000);
    expect(link.gaveUp).toBe(true);
    link.enableDirect(attempts({ maxFailedAttempts: 2, address: '203.0.113.7' }));
    await settle();
    expect(made.length).toBe(2);
    link.enableDirect(attempts({ maxFailedAttempts: 2, address: '198.51.100.0' }));
    await settle();
    expect(made.length).toBe(3);
    expect(link.gaveUp).toBe(false);
    expect(ranks.at(-1)).toBe(0);
    link.close();
  });

  it('makes no attempt while the player is away; their resume makes the one that came due', async () => {
    const { clock, player, link, made, attempts } = setup({ maxFailedAttempts: 3 });
    link.enableDirect(attempts());
    await settle();
    player.connected = false;
    clock.advance(10_000); // the attempt in progress fails
    clock.advance(120_000); // away for two minutes: no attempts meanwhile
    await settle();
    expect(made.length).toBe(1);
    expect(link.gaveUp).toBe(false);
    player.connected = true;
    link.enableDirect(attempts()); // the resume's hello
    await settle();
    expect(made.length).toBe(2);
    link.close();
  });
});

describe('ServerLink direct attempts: a link the native stack cannot make', () => {
  it('fails that attempt (slot back, told, retried after the backoff) instead of throwing out of the pacer', async () => {
    const { clock, link, outcomes, attempts } = setup();
    const pacer = new HandshakePacer(clock, { concurrent: 1, perSecond: 1_000 });
    const refusals: unknown[] = [];
    let tries = 0;
    link.enableDirect(
      attempts({
        schedule: (create, rank) => pacer.request(create, { address: 'A', rank }),
        connect: () => {
          tries++;
          // As node-datachannel's PeerConnection constructor throws for a configuration it refuses.
          throw new Error('libdatachannel: no port left in the range');
        },
        setupFailed: (error) => refusals.push(error),
      }),
    );
    await settle();
    await settle();
    // It threw out of the pacer's microtask (an uncaught exception: the process ended), holding the slot.
    expect(tries).toBe(1);
    expect(pacer.running).toBe(0);
    expect(outcomes).toEqual(['failed']);
    expect(refusals).toEqual([expect.objectContaining({ message: expect.stringMatching(/no port left/) })]);
    expect(link.failedAttempts).toBe(1);
    clock.advance(500); // the backoff after a first failure
    await settle();
    await settle();
    expect(tries).toBe(2);
    link.close();
    expect(pacer.running).toBe(0);
  });
});
