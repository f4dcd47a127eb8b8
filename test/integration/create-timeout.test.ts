import { ErrorCode } from 'vehikill-net/protocol';
import { ManualClock } from 'vehikill-net/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { SlowCreateRoom, TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
beforeEach(() => SlowCreateRoom.reset());
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A creation of a 'slow' room whose `onCreate` waits at its gate, and how it was answered (or not). */
async function creationWaiting(clock: ManualClock, createTimeoutMs?: number) {
  t = await startServer(
    { test: TestRoom, slow: SlowCreateRoom },
    createTimeoutMs === undefined ? { clock } : { clock, createTimeoutMs },
  );
  const alice = t.client();
  await alice.connect();
  const answer = alice.create('slow').then(
    () => 'created',
    (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
  );
  await eventually(() => SlowCreateRoom.started === 1, 'onCreate under way');
  return { alice, answer };
}

/** `answer` if it came within a second of real time, else 'no answer'. */
const within = (answer: Promise<string>) => Promise.race([answer, sleep(1_000).then(() => 'no answer')]);

describe('a plain create whose async onCreate never returns', () => {
  it('is refused JOIN_REJECTED after 5 s, its room disposed, and its creator can go on', async () => {
    const clock = new ManualClock(0);
    const { alice, answer } = await creationWaiting(clock);
    clock.advance(4_999);
    expect(await Promise.race([answer, sleep(50).then(() => 'waiting')])).toBe('waiting');
    clock.advance(1);
    expect(await within(answer)).toBe(
      `${ErrorCode.JOIN_REJECTED}: the room was not created within 5,000 ms (its onCreate did not finish)`,
    );
    // The half-made room heard it was gone, and its timers stopped.
    expect(SlowCreateRoom.disposed).toBe(1);
    const ticks = SlowCreateRoom.ticks;
    clock.advance(100);
    expect(SlowCreateRoom.ticks).toBe(ticks);
    // Requests run one at a time: the creator's next one was held behind the creation for good.
    const room = await alice.create('test');
    expect(t?.server.rooms.roomCount).toBe(1);
    // Its onCreate finishing after all hosts nothing, and is not disposed twice.
    SlowCreateRoom.release();
    await sleep(50);
    expect(t?.server.rooms.roomCount).toBe(1);
    expect(SlowCreateRoom.disposed).toBe(1);
    await room.leave();
  });

  it('throwing after it was given up is no unhandled rejection', async () => {
    const clock = new ManualClock(0);
    const { answer } = await creationWaiting(clock);
    clock.advance(5_000);
    expect(await within(answer)).toMatch(new RegExp(`^${ErrorCode.JOIN_REJECTED}: `));
    SlowCreateRoom.fail(new Error('the map service broke, late'));
    await sleep(50);
    expect(SlowCreateRoom.disposed).toBe(1);
  });

  it('waits as long as createTimeoutMs says, for a room that loads something slow', async () => {
    const clock = new ManualClock(0);
    const { answer } = await creationWaiting(clock, 30_000);
    clock.advance(29_999);
    expect(await Promise.race([answer, sleep(50).then(() => 'waiting')])).toBe('waiting');
    SlowCreateRoom.release();
    expect(await within(answer)).toBe('created');
  });
});
