import { describe, expect, it } from 'vitest';
import { eventually, nextSnapshot, serverCaughtUp } from '../../../src/testing/index.js';

/**
 * The kit's waits check their `timeoutMs` up front: one a timer cannot hold (Node fires a timer set past
 * 2³¹ − 1 ms after 1 ms) would time out at once, claiming to have waited days.
 */
describe("the testing kit's wait times", () => {
  it('refuses a wait longer than a timer can hold, naming the longest', async () => {
    const neverCalled = () => {
      throw new Error('not reached');
    };
    const state = { stats: neverCalled, on: neverCalled } as never;
    const client = { serverCaughtUp: neverCalled } as never;
    const tooLong = 2 ** 31;
    expect(() => nextSnapshot(state, { timeoutMs: tooLong })).toThrow(RangeError);
    expect(() => serverCaughtUp(client, { timeoutMs: tooLong })).toThrow(/from 0 to 2147483647/);
    await expect(eventually(() => true, 'the moon', 3e9)).rejects.toThrow(RangeError);
  });

  it('takes the longest a timer holds, and none at all', async () => {
    await eventually(() => true, 'what holds', 2 ** 31 - 1);
    await eventually(() => true, 'what holds', 0);
  });
});
