import { describe, expect, it } from 'vitest';
import type { ClientEvents, ConnectionState } from '../../../src/client/client-events.js';
import { type CaughtUpSession, whenServerCaughtUp } from '../../../src/client/server-caught-up.js';
import { Emitter, ManualClock } from '../../../src/common/index.js';
import { ErrorCode } from '../../../src/protocol/index.js';

/**
 * `Client.serverCaughtUp()`: its ping must go behind what the send queue still holds back (written at
 * once, it would overtake it, and the server would answer before reading those messages), and a wait
 * whose session stops being open must not hang.
 */
function session(state: ConnectionState = 'open') {
  const pings: (() => void)[] = [];
  const clock = new ManualClock();
  const fake: CaughtUpSession & { heldBack: number } = {
    clock,
    state,
    heldBack: 0,
    unsent: () => fake.heldBack,
    afterServerCaughtUp: (then) => pings.push(then),
  };
  return { fake, clock, pings, events: new Emitter<ClientEvents>() };
}

/** Whether `promise` has settled, after the microtasks queued so far. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await Promise.resolve();
  await Promise.resolve();
  return done;
}

describe('whenServerCaughtUp', () => {
  it('pings once nothing is held back, and resolves at the answer to that ping only', async () => {
    const { fake, clock, pings, events } = session();
    fake.heldBack = 3;
    const caughtUp = whenServerCaughtUp(fake, events);
    clock.advance(50);
    expect(pings).toHaveLength(0); // still held back: a ping now would overtake them
    fake.heldBack = 0;
    clock.advance(10);
    expect(pings).toHaveLength(1);
    expect(await settled(caughtUp)).toBe(false);
    pings[0]?.();
    await expect(caughtUp).resolves.toBeUndefined();
  });

  it('rejects NOT_CONNECTED when the session is not open', async () => {
    const { fake, pings, events } = session('reconnecting');
    await expect(whenServerCaughtUp(fake, events)).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    expect(pings).toHaveLength(0);
  });

  it('rejects NOT_CONNECTED when the session stops being open before the answer, and stops looking', async () => {
    const { fake, clock, events } = session();
    fake.heldBack = 1;
    const caughtUp = whenServerCaughtUp(fake, events);
    events.emit('state', 'reconnecting');
    await expect(caughtUp).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    expect(events.listenerCount('state')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
