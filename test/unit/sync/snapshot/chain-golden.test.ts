import { readFileSync } from 'node:fs';
import {
  decodeSyncFrame,
  EntityTable,
  encodeChainFrame,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  streamOf,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { registry, Ship } from './ships-and-rocks.js';

// The chain example of "Resent snapshots" in docs/sync.md, kept true here.

const syncDoc = readFileSync(new URL('../../../../docs/sync.md', import.meta.url), 'utf8');

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('chain frame golden example', () => {
  // Two ships; clients A (stream 0x0103) and B share bodies and ack at once. A loses its snapshot of tick
  // 1; at tick 2 B is in step at tick 1, and A (in step at tick 0) is sent its snapshot of tick 1 again
  // ahead of B's body, patched for A.
  const table = new EntityTable();
  table.spawn(Ship, { hp: 100, shield: true });
  table.spawn(Ship, { hp: 50, shield: false });
  const shared = new SharedSnapshots(registry);
  const a = new SnapshotEncoder(registry, { shared, resend: true, stream: streamOf(3, 1) });
  const b = new SnapshotEncoder(registry, { shared, resend: true });
  const aDecoder = new SnapshotDecoder(registry, { resent: true });
  const bDecoder = new SnapshotDecoder(registry);
  const lost: Uint8Array[] = [];
  let chain: Uint8Array | undefined;
  for (let tick = 0; tick <= 2; tick++) {
    if (tick > 0) table.update(1, Ship, { hp: 50 - tick, shield: false });
    const frame = table.frame(tick);
    bDecoder.decode(b.encode(frame).bytes);
    b.receiveAck(bDecoder.ack());
    const snapshot = a.encode(frame);
    if (tick === 1) lost.push(snapshot.bytes.slice());
    else if (snapshot.resent === undefined) {
      aDecoder.decode(snapshot.bytes);
      a.receiveAck(aDecoder.ack());
    } else chain = encodeChainFrame(snapshot.resent, snapshot.bytes);
  }

  it('sends the lost snapshot again, the same bytes, ahead of the new one, in one documented frame', () => {
    const frame = chain as Uint8Array;
    expect(hex(frame)).toBe('050d010003010103f21b936e070c4402000301020381e6bade1a020622');
    // The tag, the resent snapshot's length (13), A's snapshot of tick 1 as first sent, then tick 2.
    expect(hex(frame.subarray(0, 2))).toBe('050d');
    expect(hex(frame.subarray(2, 15))).toBe(hex(lost[0] as Uint8Array));
    expect(syncDoc).toContain(`\`${hex(frame)}\``);
    const decoded = decodeSyncFrame(frame);
    expect(decoded.kind === 'snapshot' && decoded.resent).toEqual(lost[0]);
    if (decoded.kind !== 'snapshot' || decoded.resent === undefined) throw new Error('not a chain');
    // A holds tick 0: the resent snapshot is newer, an ordinary one; then the new one, against it.
    expect(aDecoder.decodeResent(decoded.resent)).toMatchObject({ kind: 'applied', seq: 1, tick: 1 });
    expect(aDecoder.decode(decoded.payload)).toMatchObject({ kind: 'applied', seq: 2, tick: 2 });
    expect(aDecoder.stateOf(1, Ship)).toEqual({ hp: 48, shield: false });
  });
});
