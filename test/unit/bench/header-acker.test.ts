import {
  EntityTable,
  encodeSnapshotFrame,
  entity,
  entityRegistry,
  float,
  SnapshotDecoder,
  SnapshotEncoder,
} from 'vehikill-net/sync';
import { seededRandom } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { HeaderAcker } from '../../../bench/workloads/ccu/header-acker.js';

const Dot = entity('dot', { x: float({ min: 0, max: 100, precision: 0.01 }) });
const registry = entityRegistry([Dot]);

describe("the CCU bench's light bots", () => {
  it('ack exactly what a decoding client acks, through loss, reordering and the seq wrapping', () => {
    const random = seededRandom(5);
    const table = new EntityTable();
    const ids = [table.spawn(Dot, { x: 1 }), table.spawn(Dot, { x: 2 })];
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const acker = new HeaderAcker();
    let held: Uint8Array | undefined;
    // Past 65,536 snapshots, so the 16-bit seq wraps.
    for (let tick = 0; tick < 66_000; tick++) {
      for (const id of ids) table.update(id, Dot, { x: random() * 100 });
      const frame = encodeSnapshotFrame(encoder.encode(table.frame(tick)).bytes, false);
      const delivered: Uint8Array[] = [];
      const fate = random();
      if (fate < 0.05) continue; // lost
      if (fate < 0.1 && held === undefined)
        held = frame; // arrives after the next one
      else {
        delivered.push(frame);
        if (held !== undefined) delivered.push(held);
        held = undefined;
      }
      for (const bytes of delivered) {
        decoder.decode(bytes.subarray(1));
        expect(acker.receive(bytes)).toBe(true);
        expect(acker.ack, `tick ${tick}`).toEqual(decoder.ack());
      }
      if (tick % 3 === 0) encoder.receiveAck(decoder.ack());
    }
  });

  it('let app messages pass untouched', () => {
    const acker = new HeaderAcker();
    expect(acker.receive(Uint8Array.of(0, 1, 2))).toBe(false);
    expect(acker.ack).toEqual({ newest: undefined, previous: 0, resync: false });
  });
});
