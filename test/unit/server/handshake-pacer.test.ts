import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { HandshakePacer } from '../../../src/server/server-link/handshake-pacer.js';

const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('HandshakePacer', () => {
  it('runs at most `concurrent` handshakes at once, in arrival order, the next when one is done', async () => {
    const clock = new ManualClock();
    const pacer = new HandshakePacer(clock, { concurrent: 2, perSecond: 1_000, perAddress: 2 });
    const started: number[] = [];
    const handles = [0, 1, 2, 3].map((n) => pacer.request(() => started.push(n)));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(pacer.waiting).toBe(2);
    handles[0]!.done();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    handles[0]!.done(); // twice is harmless
    handles[1]!.done();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(pacer.peakRunning).toBe(2);
    expect(pacer.peakWaiting).toBe(2);
  });

  it('starts no more than `perSecond` in a second, then one per interval', async () => {
    const clock = new ManualClock();
    const pacer = new HandshakePacer(clock, { concurrent: 100, perSecond: 10 });
    const started: number[] = [];
    for (let n = 0; n < 15; n++) pacer.request(() => started.push(n));
    await settle();
    expect(started).toHaveLength(10);
    clock.advance(100);
    await settle();
    expect(started).toHaveLength(11);
    clock.advance(400);
    await settle();
    expect(started).toHaveLength(15);
  });

  it('starts handshakes at a rate below one a second (a bucket of less than one token started none)', async () => {
    const clock = new ManualClock();
    const pacer = new HandshakePacer(clock, { concurrent: 8, perSecond: 0.5 });
    const started: number[] = [];
    for (let n = 0; n < 3; n++) pacer.request(() => started.push(n));
    await settle();
    expect(started).toEqual([0]);
    clock.advance(1_000);
    await settle();
    expect(started).toEqual([0]);
    clock.advance(1_000);
    await settle();
    expect(started).toEqual([0, 1]);
    clock.advance(2_000);
    await settle();
    expect(started).toEqual([0, 1, 2]);
    pacer.close();
  });

  it('skips a request cancelled while waiting, and starts nothing after close()', async () => {
    const clock = new ManualClock();
    const pacer = new HandshakePacer(clock, { concurrent: 1, perSecond: 1_000 });
    const started: string[] = [];
    const first = pacer.request(() => started.push('first'));
    const second = pacer.request(() => started.push('second'));
    pacer.request(() => started.push('third'));
    pacer.request(() => started.push('fourth'));
    await settle();
    second.cancel();
    first.done();
    await settle();
    expect(started).toEqual(['first', 'third']);
    pacer.close();
    clock.advance(1_000);
    await settle();
    expect(started).toEqual(['first', 'third']);
  });

  it('never starts a handshake inside request(): the caller has its handle first', () => {
    const pacer = new HandshakePacer(new ManualClock());
    let startedSynchronously = false;
    pacer.request(() => {
      startedSynchronously = true;
    });
    expect(startedSynchronously).toBe(false);
  });
});

describe('HandshakePacer fairness between addresses', () => {
  it('lets an address alone use all but `perAddress` slots: another address starts at once meanwhile', async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 8, perSecond: 1_000, perAddress: 2 });
    const started: string[] = [];
    for (let n = 0; n < 16; n++) pacer.request(() => started.push(`a${n}`), { address: 'A' });
    await settle();
    // Nobody else waits: A goes over its share, but the last two slots stay free for other addresses.
    expect(started).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(pacer.runningFor('A')).toBe(6);
    pacer.request(() => started.push('b0'), { address: 'B' });
    pacer.request(() => started.push('c0'), { address: 'C' });
    await settle();
    expect(started.slice(6)).toEqual(['b0', 'c0']);
    expect(pacer.running).toBe(8);
    expect(pacer.waiting).toBe(10);
  });

  it("gives a slot that frees to another address waiting first, never to one address's excess", async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 8, perSecond: 1_000, perAddress: 2 });
    const started: string[] = [];
    const handles = new Map<string, { done: () => void }>();
    const ask = (name: string, address: string) =>
      handles.set(
        name,
        pacer.request(() => started.push(name), { address }),
      );
    for (let n = 0; n < 16; n++) ask(`a${n}`, 'A');
    ask('b0', 'B');
    ask('c0', 'C');
    ask('d0', 'D');
    ask('d1', 'D');
    await settle();
    expect(started).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'c0']);
    handles.get('a0')?.done();
    await settle();
    expect(started.at(-1)).toBe('d0'); // not a6: A is over its share and D waits
    handles.get('a1')?.done();
    await settle();
    expect(started.at(-1)).toBe('d1'); // D is within its share: the slot is D's before A's excess
    handles.get('a2')?.done();
    handles.get('b0')?.done();
    await settle();
    // 6 in progress (A 3, C 1, D 2) and only A waits: A may go over its share again, up to 6 in all.
    expect(started.at(-1)).toBe('d1');
    expect(pacer.running).toBe(6);
    handles.get('c0')?.done();
    await settle();
    expect(started.at(-1)).toBe('a6');
    expect(pacer.running).toBe(6);
    expect(pacer.runningFor('A')).toBe(4);
  });

  it('lets addresses at their share take what is left in turn, keeping `perAddress` slots free', async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 8, perSecond: 1_000, perAddress: 2 });
    const started: string[] = [];
    const handles = new Map<string, { done: () => void }>();
    const ask = (name: string, address: string) =>
      handles.set(
        name,
        pacer.request(() => started.push(name), { address }),
      );
    for (let n = 0; n < 2; n++) ask(`a${n}`, 'A');
    for (let n = 0; n < 2; n++) ask(`b${n}`, 'B');
    for (let n = 2; n < 8; n++) ask(`a${n}`, 'A');
    for (let n = 2; n < 8; n++) ask(`b${n}`, 'B');
    await settle();
    expect(started).toEqual(['a0', 'a1', 'b0', 'b1', 'a2', 'a3']);
    expect(pacer.running).toBe(6);
    ask('c0', 'C');
    await settle();
    expect(started.at(-1)).toBe('c0');
    handles.get('a0')?.done();
    await settle();
    expect(pacer.running).toBe(6); // 6 of 8: the rest stays free for other addresses
    handles.get('a1')?.done();
    await settle();
    // A and B both hold their share and wait: B, served longer ago, goes over it first.
    expect(started.at(-1)).toBe('b2');
    expect(pacer.running).toBe(6);
  });

  it("takes waiting addresses in turn: a newcomer waits for one turn, not behind another address's queue", async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 1, perSecond: 1_000, perAddress: 1 });
    const started: string[] = [];
    const handles = new Map<string, { done: () => void }>();
    const ask = (name: string, address: string) =>
      handles.set(
        name,
        pacer.request(() => started.push(name), { address }),
      );
    ask('a0', 'A');
    await settle();
    for (let n = 1; n <= 5; n++) ask(`a${n}`, 'A');
    ask('b0', 'B');
    ask('c0', 'C');
    ask('b1', 'B');
    // Whoever was served longest ago (or never) goes next: A has just had its turn.
    for (const name of ['a0', 'b0', 'c0', 'a1', 'b1', 'a2']) {
      expect(started.at(-1)).toBe(name);
      handles.get(name)?.done();
      await settle();
    }
    expect(started).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3']);
  });

  it("serves an address's requests by rank (failed attempts in a row), first come first served within a rank", async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 1, perSecond: 1_000, perAddress: 1 });
    const started: string[] = [];
    const first = pacer.request(() => started.push('busy'), { address: 'A' });
    await settle();
    const handles = new Map<string, { done: () => void }>();
    for (const [name, rank] of [
      ['retry-3', 3],
      ['retry-1', 1],
      ['new-0', 0],
      ['retry-1b', 1],
      ['new-0b', undefined],
    ] as const) {
      handles.set(
        name,
        pacer.request(() => started.push(name), { address: 'A', ...(rank === undefined ? {} : { rank }) }),
      );
    }
    first.done();
    for (let n = 0; n < 5; n++) {
      await settle();
      handles.get(started.at(-1) as string)?.done();
    }
    expect(started).toEqual(['busy', 'new-0', 'new-0b', 'retry-1', 'retry-1b', 'retry-3']);
  });

  it('forgets a cancelled request at once, and an address once it has nothing running or waiting', async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 1, perSecond: 1_000, perAddress: 1 });
    const started: string[] = [];
    const busy = pacer.request(() => started.push('busy'), { address: 'A' });
    const waiting = Array.from({ length: 100 }, (_, n) =>
      pacer.request(() => started.push(`w${n}`), { address: `X${n}` }),
    );
    await settle();
    expect(pacer.waiting).toBe(100);
    for (const handle of waiting) handle.cancel();
    expect(pacer.waiting).toBe(0);
    expect(pacer.addresses).toBe(1);
    busy.done();
    await settle();
    expect(pacer.addresses).toBe(0);
    expect(started).toEqual(['busy']);
  });

  it('gives the slot back for a request cancelled after it was given one but before it started', async () => {
    const pacer = new HandshakePacer(new ManualClock(), { concurrent: 1, perSecond: 1_000 });
    const started: string[] = [];
    const first = pacer.request(() => started.push('first'), { address: 'A' });
    first.cancel(); // its start was queued for a microtask: it must not run, and not hold the slot
    first.done();
    pacer.request(() => started.push('second'), { address: 'B' });
    await settle();
    expect(started).toEqual(['second']);
    expect(pacer.running).toBe(1);
    expect(pacer.runningFor('A')).toBe(0);
  });

  it('defaults to a quarter of the slots per address (at least one), left free by an address alone', async () => {
    const started: number[] = [];
    const eight = new HandshakePacer(new ManualClock(), { concurrent: 8, perSecond: 1_000 });
    for (let n = 0; n < 8; n++) eight.request(() => started.push(n), { address: 'A' });
    await settle();
    expect(eight.runningFor('A')).toBe(6);
    const two = new HandshakePacer(new ManualClock(), { concurrent: 2, perSecond: 1_000 });
    for (let n = 0; n < 2; n++) two.request(() => started.push(n), { address: 'A' });
    await settle();
    expect(two.runningFor('A')).toBe(1);
  });
});
