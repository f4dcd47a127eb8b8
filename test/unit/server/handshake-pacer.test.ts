import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { HandshakePacer } from '../../../src/server/server-link/handshake-pacer.js';

const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('HandshakePacer', () => {
  it('runs at most `concurrent` handshakes at once, in arrival order, the next when one is done', async () => {
    const clock = new ManualClock();
    const pacer = new HandshakePacer(clock, { concurrent: 2, perSecond: 1_000 });
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
