import { describe, expect, it } from 'vitest';
import type { SentSnapshot } from '../../../../src/sync/snapshot/client-tracking.js';
import { PENDING_SNAPSHOTS, PendingSnapshots } from '../../../../src/sync/snapshot/pending-snapshots.js';
import { seededRandom } from '../../../../src/transport/simulated/seeded-random.js';

function sent(at: number): SentSnapshot {
  return { at, frame: undefined, frameIndex: undefined, complete: true, ids: [], entities: [] };
}

describe('PendingSnapshots', () => {
  it('holds what a Map of counts would, as counts are sent, acked at random, and dropped when old', () => {
    const random = seededRandom(11);
    const pending = new PendingSnapshots();
    const reference = new Map<number, SentSnapshot>();
    for (let at = 0; at < 5000; at++) {
      const snapshot = sent(at);
      pending.add(snapshot);
      reference.set(at, snapshot);
      reference.delete(at - PENDING_SNAPSHOTS);
      // Some clients ack nearly everything, some nothing for a long stretch (then the ring fills up).
      const acking = at < 1500 || at > 3000;
      if (acking && random() < 0.9) {
        const acked = at - Math.floor(random() * 8);
        pending.delete(acked);
        reference.delete(acked);
      }
      if (at === 4000) {
        pending.clear();
        reference.clear();
      }
      for (let back = 0; back < PENDING_SNAPSHOTS + 40; back += 1 + Math.floor(random() * 20)) {
        expect(pending.get(at - back)).toBe(reference.get(at - back));
      }
    }
  });

  it('knows a count from another in the same slot', () => {
    const pending = new PendingSnapshots();
    for (let at = 0; at <= PENDING_SNAPSHOTS; at++) pending.add(sent(at));
    expect(pending.get(0)).toBeUndefined();
    expect(pending.get(PENDING_SNAPSHOTS)?.at).toBe(PENDING_SNAPSHOTS);
    expect(pending.get(1)?.at).toBe(1);
    pending.delete(1 + PENDING_SNAPSHOTS);
    expect(pending.get(1)?.at).toBe(1);
  });

  it('takes counts past 2^32', () => {
    const pending = new PendingSnapshots();
    const start = 2 ** 32 - 3;
    for (let at = start; at < start + 6; at++) pending.add(sent(at));
    for (let at = start; at < start + 6; at++) expect(pending.get(at)?.at).toBe(at);
    expect(pending.get(2)).toBeUndefined();
  });
});
