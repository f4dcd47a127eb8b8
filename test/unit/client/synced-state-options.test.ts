import { SyncedState, type SyncLink } from 'vehikill-net/client';
import { ManualClock } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Flag = entity('flag', { team: int({ min: 0, max: 3 }) });
const link: SyncLink = { send: () => true, onMessage: () => () => {} };

function construct(ackDelayMs: number): SyncedState<readonly [typeof Flag]> {
  return new SyncedState(link, { types: [Flag], clock: new ManualClock(), ackDelayMs });
}

function withMaxSnapshotBytes(maxSnapshotBytes: number): SyncedState<readonly [typeof Flag]> {
  return new SyncedState(link, { types: [Flag], clock: new ManualClock(), maxSnapshotBytes });
}

describe('SyncedState options', () => {
  it.each([
    Number.NaN,
    -1,
    Number.POSITIVE_INFINITY,
    2 ** 31, // past what a timer holds: taken as about 1 ms by Node, 0 by browsers
    '20' as unknown as number,
  ])('refuses an ackDelayMs of %s, naming it', (ackDelayMs) => {
    expect(() => construct(ackDelayMs)).toThrow(/^ackDelayMs must be a number of ms in 0\.\.2147483647, got/);
  });

  it('takes 0 and the longest delay a timer holds', () => {
    construct(0).dispose();
    construct(2 ** 31 - 1).dispose();
  });

  it.each([
    // Unbounded: a deflated message of 16 KiB (the most a server link carries) inflated to 16 MiB.
    Number.POSITIVE_INFINITY,
    Number.NaN,
    -1,
    15,
    1024.5,
    2 ** 29 + 1,
  ])('refuses a maxSnapshotBytes of %s, naming it and its range', (maxSnapshotBytes) => {
    expect(() => withMaxSnapshotBytes(maxSnapshotBytes)).toThrow(
      new RangeError(
        `maxSnapshotBytes must be a whole number of bytes in 16..536870912 (no snapshot is larger), got ${maxSnapshotBytes}`,
      ),
    );
  });

  it('refuses a maxSnapshotBytes that is not a number', () => {
    expect(() => withMaxSnapshotBytes('65536' as unknown as number)).toThrow(TypeError);
  });

  it('takes the smallest and the largest maxSnapshotBytes', () => {
    withMaxSnapshotBytes(16).dispose();
    withMaxSnapshotBytes(2 ** 29).dispose();
  });
});
