import { BitWriter } from 'vehikill-net/protocol';
import { type Quaternion, quaternion, SchemaError } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { badFrame, bitsOf, compile, snap, writeAndRead } from './field-harness.js';

const field = compile(quaternion({ bits: 9 }), 'vehicle.orientation');
/** The grid step of a stored component at 9 bits: 255 points each side of zero up to 1/√2. */
const step = Math.SQRT1_2 / 255;

function negated(q: Quaternion): Quaternion {
  return { x: -q.x, y: -q.y, z: -q.z, w: -q.w };
}

function normalized(q: Quaternion): Quaternion {
  const length = Math.sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
  return { x: q.x / length, y: q.y / length, z: q.z / length, w: q.w / length };
}

/** Distance between two unit quaternions as rotations (q and -q are the same rotation). */
function rotationDistance(a: Quaternion, b: Quaternion): number {
  const dot = a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
  const sign = dot < 0 ? -1 : 1;
  return Math.hypot(a.x - sign * b.x, a.y - sign * b.y, a.z - sign * b.z, a.w - sign * b.w);
}

const samples: Quaternion[] = [
  { x: 0, y: 0, z: 0, w: 1 },
  { x: 1, y: 0, z: 0, w: 0 },
  { x: Math.SQRT1_2, y: 0, z: 0, w: Math.SQRT1_2 },
  { x: 0.5, y: 0.5, z: 0.5, w: 0.5 },
  { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
  // Nearly tied for largest: rounding the stored one up would let it outgrow the rebuilt one.
  normalized({ x: Math.SQRT1_2 - 1e-5, y: 0, z: 0, w: Math.SQRT1_2 }),
  normalized({ x: Math.SQRT1_2, y: 0.001, z: -0.001, w: Math.SQRT1_2 - 1e-5 }),
  normalized({ x: 0.5, y: 0.5 + 1e-4, z: 0.5 - 1e-4, w: 0.5 }),
  normalized({ x: 0.1, y: -0.2, z: 0.3, w: -0.9 }),
  normalized({ x: 0.577, y: 0.577, z: 0.577, w: 0.01 }),
  normalized({ x: 0.49, y: 0.5, z: 0.51, w: 0.5 }),
];

describe('quaternion()', () => {
  it('takes 2 bits of index and 3 components of its bits', () => {
    expect(field.bits).toBe(29);
    expect(compile(quaternion({ bits: 10 })).bits).toBe(32);
    expect(writeAndRead(field, field.quantize(samples[8]!)).bits).toBe(29);
  });

  it('keeps the identity and the axis rotations exact', () => {
    expect(snap(field, { x: 0, y: 0, z: 0, w: 1 })).toEqual({ x: 0, y: 0, z: 0, w: 1 });
    expect(snap(field, { x: 0, y: -1, z: 0, w: 0 })).toEqual({ x: 0, y: 1, z: 0, w: 0 });
  });

  it('encodes q and -q the same', () => {
    for (const q of samples) expect(field.quantize(negated(q))).toEqual(field.quantize(q));
  });

  it('decodes to unit length, close to the input, and snapping again changes nothing', () => {
    for (const q of samples) {
      const snapped = snap(field, q);
      const { x, y, z, w } = snapped;
      expect(Math.abs(x * x + y * y + z * z + w * w - 1)).toBeLessThan(1e-12);
      expect(rotationDistance(q, snapped)).toBeLessThanOrEqual(2.5 * step);
      expect(field.quantize(snapped)).toEqual(field.quantize(q));
      expect(snap(field, snapped)).toEqual(snapped);
    }
  });

  it('normalizes its input first', () => {
    for (const q of samples.slice(5)) {
      const scaled = { x: 3 * q.x, y: 3 * q.y, z: 3 * q.z, w: 3 * q.w };
      expect(rotationDistance(snap(field, scaled), q)).toBeLessThanOrEqual(2.5 * step);
    }
    expect(snap(field, { x: 0, y: 0, z: 0, w: 1e-3 })).toEqual({ x: 0, y: 0, z: 0, w: 1 });
  });

  it('rejects quaternions with no direction, naming the field', () => {
    expect(() => field.quantize({ x: 0, y: 0, z: 0, w: 0 })).toThrow(
      new RangeError('vehicle.orientation: a quaternion needs a finite length above 0 to be normalized'),
    );
    expect(() => field.quantize({ x: Number.POSITIVE_INFINITY, y: 0, z: 0, w: 1 })).toThrow(RangeError);
    expect(() => field.quantize({ x: 0, y: Number.NaN, z: 0, w: 1 })).toThrow(
      new RangeError('vehicle.orientation.y: NaN cannot be quantized'),
    );
    expect(() => field.quantize([0, 0, 0, 1] as unknown as Quaternion)).toThrow(TypeError);
  });

  it('refuses codes quantize() never produces', () => {
    // w dropped, x stored at +1/√2 and y, z one step above zero: the rebuilt w would be smaller than x.
    const aboveTheDropped = bitsOf((writer) => {
      writer.writeBits(3, 2);
      for (const stored of [510, 256, 256]) writer.writeBits(stored, 9);
    });
    expect(badFrame(() => field.read(aboveTheDropped))).toBe(
      'vehicle.orientation: quaternion code is not one quantize() produces',
    );
    const pastTheGrid = bitsOf((writer) => {
      writer.writeBits(3, 2);
      for (const stored of [255, 511, 255]) writer.writeBits(stored, 9);
    });
    expect(badFrame(() => field.read(pastTheGrid))).toBe(
      'vehicle.orientation: code 511 is past the largest valid code 510',
    );
  });

  it('refuses to write such codes, leaving the writer untouched', () => {
    const writer = new BitWriter();
    writer.writeBits(1, 1);
    for (const code of [
      [4, 255, 255, 255],
      [3, 255, 511, 255],
      [3, 510, 256, 256],
      [3, 255, 255],
      [3, 1.5, 255, 255],
    ]) {
      expect(() => field.write(writer, code)).toThrow(
        new RangeError('vehicle.orientation: not a code quantize() produces'),
      );
    }
    expect(writer.bitLength).toBe(1);
  });

  it.each([1, 33, 9.5, Number.NaN])('rejects bits: %d', (bits) => {
    expect(() => compile(quaternion({ bits }))).toThrow(SchemaError);
    expect(() => compile(quaternion({ bits }))).toThrow(
      /^thing\.field: quaternion bits must be an integer in 2\.\.32/,
    );
  });
});
