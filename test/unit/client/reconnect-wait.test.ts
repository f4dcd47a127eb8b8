import { describe, expect, it } from 'vitest';
import { ReconnectWait } from '../../../src/client/reconnect-wait.js';
import { ManualClock } from '../../../src/common/index.js';

/** A wait whose attempts are counted, with a network that the test brings back by hand. */
function setUp() {
  const clock = new ManualClock();
  const listeners = new Set<() => void>();
  const session = { clock, trying: true, attempts: 0 };
  const wait = new ReconnectWait(
    { clock, trying: () => session.trying, attempt: () => session.attempts++ },
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  );
  const goOnline = () => {
    for (const listener of listeners) listener();
  };
  return { clock, session, wait, listeners, goOnline };
}

describe('ReconnectWait (the backoff before the next attempt, cut short by the network coming back)', () => {
  it('attempts once the delay is over, and a new wait takes the place of the one under way', () => {
    const { clock, session, wait } = setUp();
    wait.wait(1_000);
    clock.advance(999);
    expect(session.attempts).toBe(0);
    clock.advance(1);
    expect(session.attempts).toBe(1);
    wait.wait(500);
    wait.wait(2_000);
    clock.advance(1_999);
    expect(session.attempts).toBe(1);
    clock.advance(1);
    expect(session.attempts).toBe(2);
  });

  it('attempts at once when the network comes back during a wait, and not again at its end', () => {
    const { clock, session, wait, goOnline } = setUp();
    wait.watchOnline();
    wait.wait(60_000);
    clock.advance(1_000);
    goOnline();
    expect(session.attempts).toBe(1);
    clock.advance(60_000);
    expect(session.attempts).toBe(1);
  });

  it('makes no attempt of the network coming back with no wait under way, or once the session stopped trying', () => {
    const { clock, session, wait, goOnline } = setUp();
    wait.watchOnline();
    goOnline(); // connecting, not waiting: the attempt under way is not doubled
    expect(session.attempts).toBe(0);
    wait.wait(60_000);
    session.trying = false;
    goOnline();
    expect(session.attempts).toBe(0);
    clock.advance(60_000);
    expect(session.attempts).toBe(1); // the wait itself was left as it was
  });

  it('watches the network once however often asked, and no more once stopped', () => {
    const { clock, session, wait, listeners, goOnline } = setUp();
    wait.watchOnline();
    wait.watchOnline();
    expect(listeners.size).toBe(1);
    wait.wait(1_000);
    wait.stop();
    expect(listeners.size).toBe(0);
    goOnline();
    clock.advance(1_000);
    expect(session.attempts).toBe(0);
    wait.watchOnline(); // a later start watches again
    expect(listeners.size).toBe(1);
  });

  it('makes no attempt of a wait cancelled (a move to another server opens its own socket)', () => {
    const { clock, session, wait, goOnline } = setUp();
    wait.watchOnline();
    wait.wait(1_000);
    wait.cancel();
    goOnline();
    clock.advance(1_000);
    expect(session.attempts).toBe(0);
  });
});
