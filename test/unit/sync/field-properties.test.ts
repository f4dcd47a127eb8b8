import * as fc from 'fast-check';
import { BitReader, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  enumOf,
  type Field,
  type FieldCode,
  type FieldDeclaration,
  float,
  int,
  list,
  quaternion,
  string,
  vec2,
  vec3,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { compile, writeAndRead } from './field-harness.js';

/** A random declaration, compiled, with values to quantize that suit it (and some that do not). */
interface FieldCase {
  readonly declaration: string;
  readonly field: Field;
  readonly values: readonly unknown[];
  /** True for a value the field must refuse with a RangeError (a string over its byte bound). */
  readonly refuses: (value: unknown) => boolean;
}

function fieldCase<Value>(
  declaration: FieldDeclaration<Value, FieldCode>,
  described: unknown,
  values: fc.Arbitrary<Value>,
  refuses: (value: unknown) => boolean = () => false,
): fc.Arbitrary<FieldCase> {
  const field = compile(declaration) as Field;
  return fc.array(values, { minLength: 1, maxLength: 8 }).map((list) => ({
    declaration: JSON.stringify(described),
    field,
    values: list,
    refuses,
    toString: () => `${JSON.stringify(described)} with ${JSON.stringify(list)}`,
  }));
}

// TextEncoder turns lone surrogates into U+FFFD as the field does, so it measures what the field measures.
const utf8 = new TextEncoder();
const anyDouble = fc.double({ noNaN: true });

const intOptions = fc
  .record({
    min: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    span: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  })
  .map(({ min, span }) => ({ min, max: min + span }));

/** Ranges up to 2^20 steps (not always whole) at precisions from 0.001 to 100. */
const floatOptions = fc
  .record({
    min: fc.double({ min: -1e5, max: 1e5, noNaN: true }),
    precision: fc.oneof(
      fc.constantFrom(1, 0.5, 0.25, 0.1, 0.01, 0.001, 1 / 3, 1 / 64),
      fc.double({ min: 1e-3, max: 100, noNaN: true }),
    ),
    steps: fc.oneof(fc.integer({ min: 1, max: 2 ** 20 }), fc.double({ min: 0.6, max: 2 ** 20, noNaN: true })),
  })
  .map(({ min, precision, steps }) => ({ min, max: min + steps * precision, precision }));

function floatValues({ min, max, precision }: { min: number; max: number; precision: number }) {
  return fc.oneof(
    fc.double({ min, max, noNaN: true }),
    fc
      .integer({ min: -1, max: Math.round((max - min) / precision) + 1 })
      .map((step) => min + step * precision),
    fc
      .integer({ min: -1, max: Math.round((max - min) / precision) + 1 })
      .map((step) => min + (step + 0.5) * precision),
    anyDouble,
  );
}

const unitInterval = fc.double({ min: -1, max: 1, noNaN: true });
/** Quaternions with two components nearly tied for largest, where smallest-three is at its most fragile. */
const nearlyTied = fc
  .record({
    tied: fc.double({ min: 0.3, max: 0.71, noNaN: true }),
    gap: fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
    rest: fc.tuple(unitInterval, unitInterval),
    order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
    signs: fc.tuple(fc.boolean(), fc.boolean()),
  })
  .map(({ tied, gap, rest, order, signs }) => {
    const scale = Math.sqrt(Math.max(0, 1 - tied * tied - (tied + gap) ** 2)) / Math.SQRT2;
    const parts = [
      signs[0] ? -tied : tied,
      signs[1] ? -(tied + gap) : tied + gap,
      rest[0] * scale,
      rest[1] * scale,
    ];
    const [x, y, z, w] = order.map((index) => parts[index] as number);
    return { x: x as number, y: y as number, z: z as number, w: w as number };
  });
const quaternionValues = fc.oneof(
  fc
    .record({ x: unitInterval, y: unitInterval, z: unitInterval, w: unitInterval })
    .filter(({ x, y, z, w }) => x * x + y * y + z * z + w * w > 1e-6),
  nearlyTied,
  fc.constantFrom(
    { x: 0, y: 0, z: 0, w: 1 },
    { x: 0, y: 0, z: 0, w: -1 },
    { x: 0.5, y: 0.5, z: 0.5, w: 0.5 },
    { x: Math.SQRT1_2, y: 0, z: Math.SQRT1_2, w: 0 },
  ),
);

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc
    .array(fc.integer({ min: 0xd700, max: 0xe000 }), { maxLength: 6 })
    .map((units) => String.fromCharCode(...units)),
);

const kinds: Record<string, fc.Arbitrary<FieldCase>> = {
  int: intOptions.chain((options) =>
    fieldCase(
      int(options),
      options,
      fc.oneof(fc.integer({ min: options.min - 2, max: Math.min(options.max + 2, 2 ** 53) }), anyDouble),
    ),
  ),
  float: floatOptions.chain((options) => fieldCase(float(options), options, floatValues(options))),
  angle: fc
    .integer({ min: 1, max: 32 })
    .chain((bits) =>
      fieldCase(
        angle({ bits }),
        { bits },
        fc.oneof(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
        ),
      ),
    ),
  bool: fieldCase(bool(), 'bool', fc.boolean()),
  enum: fc
    .uniqueArray(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 70 })
    .chain((values) => fieldCase(enumOf(values), values, fc.constantFrom(...values))),
  vec2: floatOptions.chain((options) =>
    fieldCase(vec2(options), options, fc.record({ x: floatValues(options), y: floatValues(options) })),
  ),
  vec3: floatOptions.chain((options) =>
    fieldCase(
      vec3(options),
      options,
      fc.record({ x: floatValues(options), y: floatValues(options), z: floatValues(options) }),
    ),
  ),
  quaternion: fc
    .integer({ min: 2, max: 32 })
    .chain((bits) => fieldCase(quaternion({ bits }), { bits }, quaternionValues)),
  string: fc
    .integer({ min: 1, max: 40 })
    .chain((maxLength) =>
      fieldCase(
        string({ maxLength }),
        { maxLength },
        text,
        (value) => utf8.encode(value as string).length > maxLength,
      ),
    ),
  'list of ints': fc.tuple(intOptions, fc.integer({ min: 1, max: 12 })).chain(([options, maxLength]) =>
    fieldCase(
      list(int(options), { maxLength }),
      { options, maxLength },
      fc.array(fc.integer({ min: options.min - 2, max: Math.min(options.max + 2, 2 ** 53) }), {
        maxLength: maxLength + 2,
      }),
      (value) => (value as unknown[]).length > maxLength,
    ),
  ),
  'list of floats': fc
    .tuple(floatOptions, fc.integer({ min: 1, max: 8 }))
    .chain(([options, maxLength]) =>
      fieldCase(
        list(float(options), { maxLength }),
        { options, maxLength },
        fc.array(floatValues(options), { maxLength }),
      ),
    ),
  'list of angles and bools': fc
    .tuple(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 8 }))
    .chain(([bits, maxLength]) =>
      fc.oneof(
        fieldCase(
          list(angle({ bits }), { maxLength }),
          { bits, maxLength },
          fc.array(anyDouble.filter(Number.isFinite), { maxLength }),
        ),
        fieldCase(list(bool(), { maxLength }), { maxLength }, fc.array(fc.boolean(), { maxLength })),
      ),
    ),
  'list of texts': fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }))
    .chain(([bytes, maxLength]) =>
      fieldCase(
        list(string({ maxLength: bytes }), { maxLength }),
        { bytes, maxLength },
        fc.array(text, { maxLength: maxLength + 1 }),
        (value) =>
          (value as string[]).length > maxLength ||
          (value as string[]).some((one) => utf8.encode(one).length > bytes),
      ),
    ),
};

/** Quantizes, or checks the refusal and returns undefined for a value the field must refuse. */
function quantized({ field, refuses }: FieldCase, value: unknown): FieldCode | undefined {
  if (!refuses(value)) return field.quantize(value);
  expect(() => field.quantize(value)).toThrow(RangeError);
  return undefined;
}

const RUNS = 300;

describe.each(Object.entries(kinds))('%s fields, random declarations and values', (_, cases) => {
  it('decode(encode(value)) is quantize(value), in exactly the declared bits', () => {
    fc.assert(
      fc.property(cases, (fieldCase) => {
        const { field, values } = fieldCase;
        for (const value of values) {
          const code = quantized(fieldCase, value);
          if (code === undefined) continue;
          const { code: read, bits } = writeAndRead(field, code, values.length % 8);
          expect(read).toEqual(code);
          expect(field.equals(read, code)).toBe(true);
          expect(bits).toBe(field.bitLength(code));
          // `bits` is the most a code takes: int, float, enum and string lengths may take less (truncated
          // binary), angle, bool and quaternion codes exactly that.
          expect(bits).toBeLessThanOrEqual(field.bits);
          if (['angle', 'bool', 'quaternion'].includes(field.kind)) expect(bits).toBe(field.bits);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('quantize is idempotent: quantize(dequantize(quantize(x))) is quantize(x)', () => {
    fc.assert(
      fc.property(cases, (fieldCase) => {
        const { field, values } = fieldCase;
        for (const value of values) {
          const code = quantized(fieldCase, value);
          if (code === undefined) continue;
          const snapped = field.dequantize(code);
          expect(field.quantize(snapped)).toEqual(code);
          expect(field.dequantize(field.quantize(snapped))).toEqual(snapped);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes decode to an already-quantized code, or throw BAD_FRAME', () => {
    fc.assert(
      fc.property(cases, fc.uint8Array({ maxLength: 48 }), ({ field }, bytes) => {
        let code: FieldCode;
        try {
          code = field.read(new BitReader(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
          // A vector names its component (`.x`), a list its element (`[2]`).
          expect((error as ProtocolError).message).toMatch(/^thing\.field[.:[]/);
          return;
        }
        expect(field.quantize(field.dequantize(code))).toEqual(code);
        expect(writeAndRead(field, code).code).toEqual(code);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('accuracy', () => {
  it('float: a value inside the grid moves by at most half a step', () => {
    fc.assert(
      fc.property(
        floatOptions.chain((options) =>
          fc.tuple(fc.constant(options), fc.double({ ...options, noNaN: true })),
        ),
        ([options, value]) => {
          const field = compile(float(options));
          const top =
            options.min + Math.round((options.max - options.min) / options.precision) * options.precision;
          fc.pre(value <= top);
          const error = Math.abs(field.dequantize(field.quantize(value)) - value);
          expect(error).toBeLessThanOrEqual(options.precision / 2 + 1e-9 * Math.max(1, Math.abs(value)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('angle: the snapped angle is within half a step of the input, around the circle', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (bits, radians) => {
          const field = compile(angle({ bits }));
          const snapped = field.dequantize(field.quantize(radians));
          expect(snapped).toBeGreaterThanOrEqual(-Math.PI);
          expect(snapped).toBeLessThan(Math.PI);
          const turn = 2 * Math.PI;
          const apart = Math.abs(((((snapped - radians) % turn) + turn + Math.PI) % turn) - Math.PI);
          expect(apart).toBeLessThanOrEqual(turn / 2 ** bits / 2 + 1e-9);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('quaternion: q and -q encode the same; the decoded rotation is unit and within 2.5 steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 32 }), quaternionValues, (bits, q) => {
        const field = compile(quaternion({ bits }));
        const code = field.quantize(q);
        expect(field.quantize({ x: -q.x, y: -q.y, z: -q.z, w: -q.w })).toEqual(code);
        const length = Math.sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
        const decoded = field.dequantize(code);
        const { x, y, z, w } = decoded;
        expect(Math.abs(x * x + y * y + z * z + w * w - 1)).toBeLessThan(1e-12);
        const dot = (q.x * x + q.y * y + q.z * z + q.w * w) / length;
        const sign = dot < 0 ? -1 : 1;
        const distance = Math.hypot(
          q.x / length - sign * x,
          q.y / length - sign * y,
          q.z / length - sign * z,
          q.w / length - sign * w,
        );
        expect(distance).toBeLessThanOrEqual(2.5 * (Math.SQRT1_2 / (2 ** (bits - 1) - 1)) + 1e-12);
      }),
      { numRuns: 3000 },
    );
  });
});
