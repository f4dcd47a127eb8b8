import { readFileSync } from 'node:fs';
import { BitReader } from 'vehikill-net/protocol';
import {
  bool,
  EntityTable,
  encodeAck,
  entity,
  entityRegistry,
  frameView,
  int,
  list,
  SnapshotDecoder,
  SnapshotEncoder,
  streamOf,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Rock, registry, Ship } from './ships-and-rocks.js';

// The example of "Snapshot wire format" in docs/sync.md, kept true here.

const syncDoc = readFileSync(new URL('../../../../docs/sync.md', import.meta.url), 'utf8');

/**
 * A code of `count` codes in truncated binary, as docs/sync.md ("Field types") reads it: with `bits` =
 * ceil(log2(count)) and `u` = 2^bits − count unused patterns, bits − 1 bits are the code when below `u`;
 * else one more bit, and the code is (those bits) × 2 + (that bit) − `u`.
 */
function readTruncated(reader: BitReader, count: number): number {
  const bits = Math.ceil(Math.log2(count));
  const unused = 2 ** bits - count;
  const head = reader.readBits(bits - 1);
  return head < unused ? head : head * 2 + reader.readBits(1) - unused;
}

/** hp, 0..100: 7 bits leave 27 patterns, so 6 bits below 27. */
const readHp = (reader: BitReader) => readTruncated(reader, 101);

/** Single bits in wire order, to compare with the page's prefix codes (`1`, `0`, `10`...). */
function readEachBit(reader: BitReader, count: number): number[] {
  return Array.from({ length: count }, () => reader.readBits(1));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('snapshot wire format golden example', () => {
  const table = new EntityTable();
  table.spawn(Ship, { hp: 100, shield: true });
  table.spawn(Rock, { size: 2 });
  table.spawn(Ship, { hp: 50, shield: false });
  table.spawn(Ship, { hp: 20, shield: false });
  // Stream 0x0103: membership 3, epoch 1 (docs/sync.md, "Streams").
  const encoder = new SnapshotEncoder(registry, { stream: streamOf(3, 1) });
  const decoder = new SnapshotDecoder(registry);
  const first = encoder.encode(table.frame(7));
  decoder.decode(first.bytes);
  encoder.receiveAck(decoder.ack());
  table.update(2, Ship, { hp: 49, shield: false });
  table.update(3, Ship, { hp: 19, shield: false });
  table.remove(1);
  const second = encoder.encode(table.frame(8));
  // Decoded and acked in the second test, before the third is encoded.
  const third = () => encoder.encode(frameView(table.frame(9), (id) => id !== 0));

  it('encodes the first snapshot (four creations) as documented', () => {
    expect(hex(first.bytes)).toBe('000003010759ead691638ff36f2428ffd5625628');
    expect(syncDoc).toContain('`000003010759ead691638ff36f2428ffd5625628`');
    const reader = new BitReader(first.bytes);
    expect(reader.readBits(16)).toBe(0); // seq
    expect([reader.readBits(8), reader.readBits(8)]).toEqual([3, 1]); // stream: membership 3, epoch 1
    expect(reader.readVarUint()).toBe(7); // tick
    expect(reader.readBits(1)).toBe(1); // complete
    expect(reader.readBits(1)).toBe(0); // no acked snapshot yet
    expect(reader.readBits(32)).toBe(registry.fingerprint); // so the types' fingerprint
    expect(registry.fingerprint).toBe(0xe475ba96);
    expect(reader.readBits(1)).toBe(0); // ship deltas relative: none to write
    reader.readBits(32); // checksum
    expect(reader.readVarUint()).toBe(4); // count
    // Each: flag '1' (a record of its own), gap '0', kind full '1','0', the type in 1 bit, its fields.
    const full = () => [reader.readBits(1), reader.readBits(1), reader.readBits(1), reader.readBits(1)];
    expect(full()).toEqual([1, 0, 1, 0]);
    expect(reader.readBits(1)).toBe(0); // ship
    expect([readHp(reader), reader.readBits(1)]).toEqual([100, 1]);
    expect(full()).toEqual([1, 0, 1, 0]);
    expect(reader.readBits(1)).toBe(1); // rock
    expect(reader.readBits(2)).toBe(2);
    expect(full()).toEqual([1, 0, 1, 0]);
    expect(reader.readBits(1)).toBe(0);
    expect([readHp(reader), reader.readBits(1)]).toEqual([50, 0]);
    expect(full()).toEqual([1, 0, 1, 0]);
    expect(reader.readBits(1)).toBe(0);
    expect([readHp(reader), reader.readBits(1)]).toEqual([20, 0]); // 20 < 27: 6 bits
    expect(reader.bitsRemaining).toBeLessThan(8);
  });

  it('encodes a removal and a delta as documented', () => {
    expect(hex(second.bytes)).toBe('010003010803260353690f0c2e1102');
    expect(syncDoc).toContain('`010003010803260353690f0c2e1102`');
    const reader = new BitReader(second.bytes);
    expect(reader.readBits(16)).toBe(1); // seq
    expect(reader.readBits(16)).toBe(0x0103); // stream
    expect(reader.readVarUint()).toBe(8); // tick
    expect(reader.readBits(1)).toBe(1); // complete
    expect([reader.readBits(1), reader.readBits(6)]).toEqual([1, 0]); // acked: the snapshot 1 back
    expect(reader.readBits(1)).toBe(0); // no predictor: a per-client snapshot
    expect(reader.readBits(1)).toBe(1); // ship deltas are written relative to their baselines
    reader.readBits(32); // checksum
    expect(reader.readVarUint()).toBe(3); // count
    // id 1: flag '1', gap 1 after "id -1" ('1','0' + gap - 1 in 4 bits), remove '1','1','1', then '0':
    // removed from the world.
    expect([reader.readBits(1), reader.readBits(1), reader.readBits(1), reader.readBits(4)]).toEqual([
      1, 1, 0, 0,
    ]);
    expect([reader.readBits(1), reader.readBits(1), reader.readBits(1), reader.readBits(1)]).toEqual([
      1, 1, 1, 0,
    ]);
    // id 2: flag '1', gap '0', delta '0' against the copy of the acked snapshot, mask 0b01 in 2 bits,
    // then hp relative to its baseline 50: width class 0 (2 bits), zigzag(-1) = 1 in ceil(7 / 4) = 2 bits.
    expect([reader.readBits(1), reader.readBits(1), reader.readBits(1)]).toEqual([1, 0, 0]);
    expect([reader.readBits(2), reader.readBits(2), reader.readBits(2)]).toEqual([1, 0, 1]);
    // id 3: flag '0', a repeat (the next id, a delta with mask 0b01 again): only hp, 20 -> 19.
    expect(reader.readBits(1)).toBe(0);
    expect([reader.readBits(2), reader.readBits(2)]).toEqual([0, 1]);
    expect(reader.bitsRemaining).toBeLessThan(8);
    expect(decoder.decode(second.bytes)).toEqual({
      kind: 'applied',
      seq: 1,
      tick: 8,
      complete: true,
      created: [],
      updated: [2, 3],
      removed: [1],
      removedKinds: ['destroyed'],
    });
    expect(decoder.stateOf(2, Ship)).toEqual({ hp: 49, shield: false });
    expect(decoder.stateOf(3, Ship)).toEqual({ hp: 19, shield: false });
    encoder.receiveAck(decoder.ack());
  });

  it('encodes an entity leaving the view as documented', () => {
    const snapshot = third();
    expect(hex(snapshot.bytes)).toBe('020003010903f0f5d0b807f4');
    expect(syncDoc).toContain('`020003010903f0f5d0b807f4`');
    const reader = new BitReader(snapshot.bytes);
    expect(reader.readBits(16)).toBe(2); // seq
    expect(reader.readBits(16)).toBe(0x0103); // stream
    expect(reader.readVarUint()).toBe(9); // tick
    expect(reader.readBits(1)).toBe(1); // complete
    expect([reader.readBits(1), reader.readBits(6)]).toEqual([1, 0]); // acked: the snapshot 1 back
    expect(reader.readBits(1)).toBe(0); // no predictor
    expect(reader.readBits(1)).toBe(0); // ship deltas whole: there are none
    reader.readBits(32); // checksum
    expect(reader.readVarUint()).toBe(1); // count
    // id 0: flag '1', gap '0', remove '1','1','1', then '1': still in the world, out of this view.
    expect([reader.readBits(1), reader.readBits(1)]).toEqual([1, 0]);
    expect([reader.readBits(1), reader.readBits(1), reader.readBits(1), reader.readBits(1)]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(reader.bitsRemaining).toBeLessThan(8);
    expect(decoder.decode(snapshot.bytes)).toEqual({
      kind: 'applied',
      seq: 2,
      tick: 9,
      complete: true,
      created: [],
      updated: [],
      removed: [0],
      removedKinds: ['leftView'],
    });
  });
});

describe('snapshot wire format golden jump and ack', () => {
  // 1,024 codes: no short codes, so x goes plain in 10 bits; as the only type, no type bits.
  const Ball = entity('ball', { x: int({ min: 0, max: 1023 }) });
  const balls = entityRegistry([Ball]);
  const table = new EntityTable();
  table.spawn(Ball, { x: 10 });
  table.spawn(Ball, { x: 500 });
  const encoder = new SnapshotEncoder(balls);
  const decoder = new SnapshotDecoder(balls);

  it('writes ball x plainly, with no type bits', () => {
    const first = encoder.encode(table.frame(1));
    expect(hex(first.bytes)).toBe('0000000001c51cbe455a48d1f11028058a3e');
    expect(syncDoc).toContain('`0000000001c51cbe455a48d1f11028058a3e`');
    expect(balls.typeBits).toBe(0);
    const reader = new BitReader(first.bytes);
    expect([reader.readBits(16), reader.readBits(16), reader.readVarUint()]).toEqual([0, 0, 1]);
    expect([reader.readBits(1), reader.readBits(1)]).toEqual([1, 0]); // complete, nothing acked
    expect(reader.readBits(32)).toBe(balls.fingerprint);
    expect(reader.readBits(1)).toBe(0); // ball deltas whole: none
    reader.readBits(32); // checksum
    expect(reader.readVarUint()).toBe(2);
    for (const x of [10, 500]) {
      expect([reader.readBits(1), reader.readBits(1), reader.readBits(1), reader.readBits(1)]).toEqual([
        1, 0, 1, 0,
      ]);
      expect(reader.readBits(10)).toBe(x);
    }
    expect(reader.bitsRemaining).toBeLessThan(8);
    expect(decoder.decode(first.bytes).kind).toBe('applied');
    encoder.receiveAck(decoder.ack());
  });

  it('writes a jump as class 11 and the whole code in plain bits', () => {
    table.update(0, Ball, { x: 11 });
    table.update(1, Ball, { x: 1000 });
    const second = encoder.encode(table.frame(2));
    expect(hex(second.bytes)).toBe('010000000203ce513609082432fa');
    expect(syncDoc).toContain('`010000000203ce513609082432fa`');
    const reader = new BitReader(second.bytes);
    expect([reader.readBits(16), reader.readBits(16), reader.readVarUint()]).toEqual([1, 0, 2]);
    expect(reader.readBits(1)).toBe(1); // complete
    expect([reader.readBits(1), reader.readBits(6)]).toEqual([1, 0]); // acked: 1 back
    expect(reader.readBits(1)).toBe(0); // no predictor
    expect(reader.readBits(1)).toBe(1); // ball deltas relative
    reader.readBits(32); // checksum
    expect(reader.readVarUint()).toBe(2);
    // id 0: '1', gap '0', delta '0', mask '1', class 0 (2 bits), zigzag(+1) = 2 in ceil(10 / 4) = 3 bits.
    expect([reader.readBits(1), reader.readBits(1), reader.readBits(1), reader.readBits(1)]).toEqual([
      1, 0, 0, 1,
    ]);
    expect([reader.readBits(2), reader.readBits(3)]).toEqual([0, 2]);
    // id 1: a repeat '0', class 3 (bits '1','1'), then 1000 in plain 10 bits.
    expect([reader.readBits(1), reader.readBits(1), reader.readBits(1)]).toEqual([0, 1, 1]);
    expect(reader.readBits(10)).toBe(1000);
    expect(reader.bitsRemaining).toBe(0);
    expect(decoder.decode(second.bytes)).toMatchObject({ kind: 'applied', updated: [0, 1] });
    expect(decoder.stateOf(1, Ball)).toEqual({ x: 1000 });
    encoder.receiveAck(decoder.ack());
  });

  it('acks with bit i of previous for seq newest - 1 - i', () => {
    encoder.encode(table.frame(3)); // seq 2: lost
    const fourth = encoder.encode(table.frame(4));
    expect(decoder.decode(fourth.bytes)).toMatchObject({ kind: 'applied', seq: 3 });
    const ack = decoder.ack();
    expect(ack).toEqual({ newest: 3, previous: 0b110, resync: false });
    expect(hex(encodeAck(ack))).toBe('07000c00000000');
    expect(syncDoc).toContain('`07000c00000000`');
    const reader = new BitReader(encodeAck(ack));
    expect([reader.readBits(1), reader.readBits(16), reader.readBits(32), reader.readBits(1)]).toEqual([
      1, 3, 6, 0,
    ]);
    expect(hex(encodeAck({ newest: undefined, previous: 0, resync: false }))).toBe('00');
    expect(hex(encodeAck({ newest: undefined, previous: 0, resync: true }))).toBe('02');
    expect(syncDoc).toContain('acks `00`, or `02`');
  });
});

describe('snapshot wire format golden list', () => {
  // lap: 8 codes, plain 3 bits. ammo: its length of 5 codes in 3 bits (u = 3: lengths 0..2 in 2 bits),
  // then each round count of 10 codes in 4 bits (u = 6: 0..5 in 3 bits). No field of 6 bits or more, so
  // no relative bit in the header; one type, so no type bits.
  const Car = entity('car', {
    lap: int({ min: 0, max: 7 }),
    ammo: list(int({ min: 0, max: 9 }), { maxLength: 4 }),
    boost: bool(),
  });
  const cars = entityRegistry([Car]);
  const table = new EntityTable();
  table.spawn(Car, { lap: 1, ammo: [9, 2], boost: false });
  table.spawn(Car, { lap: 0, ammo: [], boost: true });
  const encoder = new SnapshotEncoder(cars);
  const decoder = new SnapshotDecoder(cars);

  /** The documented bytes, encoded by the package and then decoded back from the page's own text. */
  function documented(snapshot: Uint8Array, expected: string): BitReader {
    expect(hex(snapshot)).toBe(expected);
    expect(syncDoc).toContain(`\`${expected}\``);
    return new BitReader(Buffer.from(expected, 'hex'));
  }

  /** The header of a snapshot after an acked one, up to its record count: stream 0, no relative bits. */
  function expectAckedHeader(reader: BitReader, expected: { seq: number; tick: number; count: number }) {
    expect([reader.readBits(16), reader.readBits(16), reader.readVarUint()]).toEqual([
      expected.seq,
      0,
      expected.tick,
    ]);
    expect(reader.readBits(1)).toBe(1); // complete
    expect([reader.readBits(1), reader.readBits(6)]).toEqual([1, 0]); // acked: 1 back
    expect(reader.readBits(1)).toBe(0); // no predictor
    reader.readBits(32); // checksum
    expect(reader.readVarUint()).toBe(expected.count);
  }

  it('writes full states: the list length, then each element in truncated binary', () => {
    const bytes = Buffer.from('00000000013108b4f4b3f85ea709547c2910', 'hex');
    const reader = documented(encoder.encode(table.frame(1)).bytes, hex(bytes));
    expect([reader.readBits(16), reader.readBits(16), reader.readVarUint()]).toEqual([0, 0, 1]);
    expect([reader.readBits(1), reader.readBits(1)]).toEqual([1, 0]); // complete, nothing acked
    expect(reader.readBits(32)).toBe(cars.fingerprint);
    expect(cars.fingerprint).toBe(0xfd2d020c);
    reader.readBits(32); // checksum, right after the fingerprint: no type has relative fields
    expect(reader.readVarUint()).toBe(2);
    // car 0: '1', gap '0', full '1','0', lap 1 in plain 3 bits, ammo [9, 2], no boost.
    expect(readEachBit(reader, 4)).toEqual([1, 0, 1, 0]);
    expect(reader.readBits(3)).toBe(1);
    expect(reader.readBits(2)).toBe(2); // length 2: below u = 3, a short code of 2 bits
    expect([reader.readBits(3), reader.readBits(1)]).toEqual([7, 1]); // 9 + 6 = 15: its top 3 bits, its last
    expect(reader.readBits(3)).toBe(2); // 2: below u = 6, a short code of 3 bits
    expect(reader.readBits(1)).toBe(0);
    // car 1: the empty list is its length alone, 2 bits of 0.
    expect(readEachBit(reader, 4)).toEqual([1, 0, 1, 0]);
    expect([reader.readBits(3), reader.readBits(2), reader.readBits(1)]).toEqual([0, 0, 1]);
    expect(reader.bitsRemaining).toBeLessThan(8);
    expect(decoder.decode(bytes)).toMatchObject({ kind: 'applied', created: [0, 1] });
    expect(decoder.stateOf(0, Car)).toEqual({ lap: 1, ammo: [9, 2], boost: false });
    expect(decoder.stateOf(1, Car)).toEqual({ lap: 0, ammo: [], boost: true });
    encoder.receiveAck(decoder.ack());
  });

  it('writes a changed list whole, its unchanged elements too', () => {
    table.update(0, Car, { lap: 1, ammo: [8, 2], boost: false });
    table.update(1, Car, { lap: 0, ammo: [3], boost: true });
    const bytes = Buffer.from('010000000203527dd82204224f1a', 'hex');
    const reader = documented(encoder.encode(table.frame(2)).bytes, hex(bytes));
    expectAckedHeader(reader, { seq: 1, tick: 2, count: 2 });
    // id 0: '1', gap '0', delta '0', mask 0b010 (ammo, the second field), then the whole list: [8, 2].
    expect(readEachBit(reader, 3)).toEqual([1, 0, 0]);
    expect(reader.readBits(3)).toBe(0b010);
    expect(readTruncated(reader, 5)).toBe(2);
    expect([reader.readBits(3), reader.readBits(1)]).toEqual([7, 0]); // 8 + 6 = 14
    expect(reader.readBits(3)).toBe(2);
    // id 1: a repeat '0' (mask 0b010 again): [3], length 1 in 2 bits, 3 in 3 bits.
    expect(reader.readBits(1)).toBe(0);
    expect([reader.readBits(2), reader.readBits(3)]).toEqual([1, 3]);
    expect(reader.bitsRemaining).toBeLessThan(8);
    expect(decoder.decode(bytes)).toMatchObject({ kind: 'applied', updated: [0, 1] });
    expect(decoder.stateOf(0, Car)).toEqual({ lap: 1, ammo: [8, 2], boost: false });
    expect(decoder.stateOf(1, Car)).toEqual({ lap: 0, ammo: [3], boost: true });
    encoder.receiveAck(decoder.ack());
  });

  it('costs an unchanged list its change bit alone', () => {
    table.update(0, Car, { lap: 2, ammo: [8, 2], boost: false });
    const bytes = Buffer.from('020000000303844288f9031201', 'hex');
    const reader = documented(encoder.encode(table.frame(3)).bytes, hex(bytes));
    expectAckedHeader(reader, { seq: 2, tick: 3, count: 1 });
    // id 0: '1', gap '0', delta '0', mask 0b001 (lap alone: ammo's bit is 0), lap 2 in 3 bits.
    expect(readEachBit(reader, 3)).toEqual([1, 0, 0]);
    expect([reader.readBits(3), reader.readBits(3)]).toEqual([0b001, 2]);
    expect(reader.bitsRemaining).toBeLessThan(8);
    expect(decoder.decode(bytes)).toMatchObject({ kind: 'applied', updated: [0] });
    expect(decoder.stateOf(0, Car)).toEqual({ lap: 2, ammo: [8, 2], boost: false });
    expect(decoder.stateOf(1, Car)).toEqual({ lap: 0, ammo: [3], boost: true });
  });
});
