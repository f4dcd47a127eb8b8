import { describe, expect, it } from 'vitest';
import { StallCreditedBucket } from '../../../src/server/connection/stall-credited-bucket.js';

/** The defaults of a session's rate limit: 240 at once, 120 a second. */
const BURST = 240;
const PER_SECOND = 120;

/** How many messages read at `now` (the server's stalls so far: `stalledMs`) are let through. */
function admitted(bucket: StallCreditedBucket, now: number, stalledMs: number, sent = 100_000): number {
  let taken = 0;
  while (taken < sent && bucket.take(now, stalledMs)) taken++;
  return taken;
}

describe('StallCreditedBucket', () => {
  it('without a stall of the server, limits as a token bucket: the burst, then the rate', () => {
    const bucket = new StallCreditedBucket(BURST, PER_SECOND, 0, 0);
    expect(admitted(bucket, 0, 0)).toBe(BURST);
    expect(admitted(bucket, 1_000, 0)).toBe(PER_SECOND);
    // Idle for 10 s, no stall: the burst again, no more.
    expect(admitted(bucket, 11_000, 0)).toBe(BURST);
  });

  it('lets through what a player sent at 100 a second during a stall of 3 s, read at once after it', () => {
    const bucket = new StallCreditedBucket(BURST, PER_SECOND, 0, 0);
    for (let t = 0; t <= 1_000; t += 10) expect(bucket.take(t, 0)).toBe(true);
    // The server stood still from 1,000 to 4,000, and reads the 300 messages sent meanwhile.
    expect(admitted(bucket, 4_000, 3_000, 300)).toBe(300);
    // Before, the burst alone: 240 of them.
  });

  it('a flood through a stall gets the burst and the stall at the rate, however much was sent', () => {
    const bucket = new StallCreditedBucket(BURST, PER_SECOND, 0, 0);
    expect(admitted(bucket, 4_000, 3_000)).toBe(BURST + 3 * PER_SECOND);
    // Credited once: the next stall-free second gives the rate.
    expect(admitted(bucket, 5_000, 3_000)).toBe(PER_SECOND);
  });

  it('a flooder that had spent its burst before the stall gets the stall at its rate only', () => {
    const bucket = new StallCreditedBucket(BURST, PER_SECOND, 0, 0);
    expect(admitted(bucket, 0, 0)).toBe(BURST);
    expect(admitted(bucket, 1_000, 0)).toBe(PER_SECOND);
    expect(admitted(bucket, 4_000, 3_000)).toBe(3 * PER_SECOND);
  });

  it('credits stalls since its last message only, and at most 10 s of one', () => {
    const bucket = new StallCreditedBucket(BURST, PER_SECOND, 0, 5_000); // stalls before it: not its own
    expect(admitted(bucket, 100_000, 65_000)).toBe(BURST + 10 * PER_SECOND);
  });
});
