import { readFileSync } from 'node:fs';
import { BitReader, BitWriter } from 'vehikill-net/protocol';
import {
  angle,
  bool,
  EntityTable,
  entity,
  entityRegistry,
  enumOf,
  type Field,
  type FieldDeclaration,
  float,
  int,
  list,
  quaternion,
  SnapshotDecoder,
  SnapshotEncoder,
  string,
  vec2,
  vec3,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

/*
 * docs/sync.md describes the wire format so that a client can be written in another language from the
 * page alone. The functions here follow the page's words (truncated binary, angle and quaternion codes,
 * relative classes, the checksum, the types' fingerprint), deliberately without calling the package's
 * own code for them, and are checked against what the package writes for random fields and states.
 * A reference that disagrees with the package means the page is wrong.
 */

const syncDoc = readFileSync(new URL('../../../docs/sync.md', import.meta.url), 'utf8');
const random = seededRandom(20270611);
const below = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[below(list.length)] as T;

// ---- "Checksum and fingerprint", as the page writes it: unsigned 32-bit words, BigInt products. ----

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
const u32 = (x: number) => x >>> 0;
const times = (a: number, b: number) => Number((BigInt(u32(a)) * BigInt(u32(b))) & 0xffffffffn);

function mix(h: number, w: number): number {
  const m = times(u32(h) ^ u32(w), PRIME);
  return u32(m ^ (m >>> 15));
}

function finish(hash: number): number {
  let h = u32(hash);
  h = u32(h ^ (h >>> 16));
  h = times(h, 0x85ebca6b);
  h = u32(h ^ (h >>> 13));
  h = times(h, 0xc2b2ae35);
  return u32(h ^ (h >>> 16));
}

type Code = number | string | readonly number[] | readonly string[];

function hashText(h: number, text: string): number {
  let out = mix(h, text.length);
  for (let unit = 0; unit < text.length; unit++) out = mix(out, text.charCodeAt(unit));
  return out;
}

function hashCodes(codes: readonly Code[]): number {
  let h = mix(OFFSET, codes.length);
  for (const code of codes) {
    if (typeof code === 'number') {
      h = mix(h, code);
    } else if (typeof code === 'string') {
      h = hashText(h, code);
    } else {
      h = mix(h, code.length);
      // A list of strings: each element as a string code.
      for (const part of code) h = typeof part === 'number' ? mix(h, part) : hashText(h, part);
    }
  }
  return h;
}

const share = (id: number, codes: readonly Code[]) => finish(mix(mix(OFFSET, id), hashCodes(codes)));
const headerShare = (seq: number, tick: number, complete: boolean) =>
  finish(
    mix(mix(mix(OFFSET ^ 0x5a, seq), tick % 2 ** 32), Math.floor(tick / 2 ** 32) * 2 + (complete ? 1 : 0)),
  );

// ---- Field declarations the tests make, kept as plain data so the references need no compiled field. ----

type Spec =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'float' | 'vec2' | 'vec3'; min: number; max: number; precision: number }
  | { kind: 'angle' | 'quaternion'; bits: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'string'; maxLength: number }
  | { kind: 'list'; maxLength: number; element: Spec };

/** The kinds a list's element may be. */
const ELEMENT_KINDS = ['int', 'float', 'angle', 'bool', 'enum', 'string'] as const;

function declare(spec: Spec): FieldDeclaration<unknown, never> {
  switch (spec.kind) {
    case 'int':
      return int(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'float':
      return float(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'vec2':
      return vec2(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'vec3':
      return vec3(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'angle':
      return angle(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'quaternion':
      return quaternion(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'bool':
      return bool() as unknown as FieldDeclaration<unknown, never>;
    case 'enum':
      return enumOf(spec.values) as unknown as FieldDeclaration<unknown, never>;
    case 'string':
      return string(spec) as unknown as FieldDeclaration<unknown, never>;
    case 'list':
      return list(declare(spec.element), spec) as unknown as FieldDeclaration<unknown, never>;
  }
}

/** ceil(log2(n)) for n codes: the bits of the largest code, n - 1. */
const bitsFor = (codes: number) => (codes <= 1 ? 0 : Math.ceil(Math.log2(codes - 0.5)));
const floatSteps = (spec: { min: number; max: number; precision: number }) =>
  Math.round((spec.max - spec.min) / spec.precision);
const angleStep = (bits: number) => (2 * Math.PI) / 2 ** bits;

function specBits(spec: Spec): number {
  switch (spec.kind) {
    case 'int':
      return bitsFor(spec.max - spec.min + 1);
    case 'float':
      return bitsFor(floatSteps(spec) + 1);
    case 'vec2':
      return 2 * bitsFor(floatSteps(spec) + 1);
    case 'vec3':
      return 3 * bitsFor(floatSteps(spec) + 1);
    case 'angle':
      return spec.bits;
    case 'quaternion':
      return 2 + 3 * spec.bits;
    case 'bool':
      return 1;
    case 'enum':
      return bitsFor(spec.values.length);
    case 'string':
      return bitsFor(spec.maxLength + 1) + 8 * spec.maxLength;
    case 'list':
      return bitsFor(spec.maxLength + 1) + spec.maxLength * specBits(spec.element);
  }
}

const gridText = (rounding: string, min: number, step: number, maxCode: number) =>
  `{"rounding":"${rounding}","min":${String(min)},"step":${String(step)},"maxCode":${String(maxCode)}}`;

function fieldText(path: string, spec: Spec): string {
  return `${path} ${kindText(spec)}`;
}

/** A field's text without its path: `kind bits grid detail`, what a list's detail gives of its element. */
function kindText(spec: Spec): string {
  let grid = 'null';
  let detail = '';
  if (spec.kind === 'int') grid = gridText('whole', spec.min, 1, spec.max - spec.min);
  if (spec.kind === 'float') grid = gridText('offset', spec.min, spec.precision, floatSteps(spec));
  if (spec.kind === 'angle') grid = gridText('turn', 0, angleStep(spec.bits), 2 ** spec.bits - 1);
  if (spec.kind === 'vec2' || spec.kind === 'vec3') {
    detail = gridText('offset', spec.min, spec.precision, floatSteps(spec));
  }
  if (spec.kind === 'enum') detail = `[${spec.values.map(jsonString).join(',')}]`;
  if (spec.kind === 'list') detail = `${spec.maxLength} ${kindText(spec.element)}`;
  return `${spec.kind} ${specBits(spec)} ${grid} ${detail}`;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** An enum value as the page spells out JSON's escapes, code unit by code unit. */
function jsonString(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    const char = text[index] as string;
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    const paired =
      (high && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) ||
      (low && index > 0 && (text.charCodeAt(index - 1) & 0xfc00) === 0xd800);
    if (ESCAPES[char] !== undefined) out += ESCAPES[char];
    else if (unit < 0x20 || ((high || low) && !paired)) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

type TypeSpec = { name: string; fields: [string, Spec][] };

function fingerprintText(types: readonly TypeSpec[]): string {
  return types
    .map(
      (type) =>
        `${type.name}{${type.fields.map(([name, spec]) => fieldText(`${type.name}.${name}`, spec)).join(',')}}`,
    )
    .join(';');
}

const fingerprint = (types: readonly TypeSpec[]) => hashCodes([fingerprintText(types)]);

const typeOf = (type: TypeSpec) =>
  entity(type.name, Object.fromEntries(type.fields.map(([name, spec]) => [name, declare(spec)])));

// ---- Codes of quantized values, by the page's formulas. ----

function angleCode(value: number, bits: number): number {
  const steps = Math.round((value % (2 * Math.PI)) / angleStep(bits));
  return ((steps % 2 ** bits) + 2 ** bits) % 2 ** bits;
}

function angleValue(code: number, bits: number): number {
  return (code < 2 ** (bits - 1) ? code : code - 2 ** bits) * angleStep(bits);
}

function quaternionParts(bits: number) {
  const limit = 2 ** (bits - 1) - 1;
  // The page gives √½ as a float64 literal, which is Math.SQRT1_2.
  return { limit, step: Math.SQRT1_2 / limit };
}

type Quat = { x: number; y: number; z: number; w: number };

function quaternionValue(code: readonly number[], bits: number): Quat {
  const { limit, step } = quaternionParts(bits);
  const unit = [0, 0, 0, 0];
  let sum = 0;
  let next = 1;
  for (let index = 0; index < 4; index++) {
    if (index === code[0]) continue;
    const component = ((code[next++] as number) - limit) * step;
    unit[index] = component;
    sum += component * component;
  }
  unit[code[0] as number] = Math.sqrt(Math.max(0, 1 - sum));
  const [x, y, z, w] = unit as [number, number, number, number];
  return { x, y, z, w };
}

function quaternionCode(q: Quat, bits: number): number[] {
  const { limit, step } = quaternionParts(bits);
  const unit = [q.x, q.y, q.z, q.w];
  let largest = 0;
  for (let index = 1; index < 4; index++) {
    if (Math.abs(unit[index] as number) > Math.abs(unit[largest] as number)) largest = index;
  }
  const sign = (unit[largest] as number) < 0 ? -1 : 1;
  const code = [largest];
  for (let index = 0; index < 4; index++) {
    if (index === largest) continue;
    const k = Math.round((sign * (unit[index] as number)) / step);
    code.push(Math.min(limit, Math.max(-limit, k)) + limit);
  }
  return code;
}

function codeOf(spec: Spec, value: unknown): Code {
  switch (spec.kind) {
    case 'int':
      return (value as number) - spec.min;
    case 'float':
      return Math.round(((value as number) - spec.min) / spec.precision);
    case 'vec2':
    case 'vec3': {
      const vector = value as Record<string, number>;
      const axes = spec.kind === 'vec2' ? ['x', 'y'] : ['x', 'y', 'z'];
      return axes.map((axis) => Math.round(((vector[axis] as number) - spec.min) / spec.precision));
    }
    case 'angle':
      return angleCode(value as number, spec.bits);
    case 'quaternion':
      return quaternionCode(value as Quat, spec.bits);
    case 'bool':
      return value ? 1 : 0;
    case 'enum':
      return spec.values.indexOf(value as string);
    case 'string':
      return value as string;
    case 'list':
      return (value as unknown[]).map((element) => codeOf(spec.element, element)) as Code;
  }
}

// ---- Random declarations and values. ----

const TEXT = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '\n',
  '\t',
  '\u0001',
  '\u001f',
  'é',
  '€',
  '🚗',
  '\u2028',
  '/',
  '\ud800',
];

function randomText(maxBytes: number): string {
  let text = '';
  const length = below(8);
  for (let index = 0; index < length; index++) {
    const next = text + pick(TEXT);
    if (new TextEncoder().encode(next).length > maxBytes) break;
    text = next;
  }
  return text;
}

function randomFloatOptions(): { min: number; max: number; precision: number } {
  const precision = pick([0.01, 0.5, 1, 1 / 3, 0.001, 1e-7, 2.5, 0.1 + 0.2]);
  const min = pick([0, -1000, -0.5, 12.75, -3e-6, 100_000]);
  const steps = pick([1, 3, 4, 255, 256, 1000, 20_000, 65_536, below(200_000) + 1]);
  return { min, max: min + steps * precision, precision };
}

function randomSpec(kind: Spec['kind']): Spec {
  switch (kind) {
    case 'int': {
      const min = pick([0, -1, -1_000_000, 7, below(1000) - 500]);
      const span = pick([1, 3, 7, 100, 255, 1023, 2 ** 16 - 1, 2 ** 32 - 1, below(100_000) + 1]);
      return { kind, min, max: min + span };
    }
    case 'float':
    case 'vec2':
    case 'vec3':
      return { kind, ...randomFloatOptions() };
    case 'angle':
      return { kind, bits: 1 + below(32) };
    case 'quaternion':
      return { kind, bits: 2 + below(31) };
    case 'bool':
      return { kind };
    case 'enum': {
      const count = 1 + below(9);
      return { kind, values: Array.from({ length: count }, (_, index) => `${randomText(6)}${index}`) };
    }
    case 'string':
      return { kind, maxLength: pick([1, 3, 7, 15, 16, 24, 255, 1 + below(300)]) };
    case 'list':
      return {
        kind,
        maxLength: pick([1, 2, 3, 7, 8, 255, 1 + below(20)]),
        element: randomSpec(pick(ELEMENT_KINDS)),
      };
  }
}

const KINDS: Spec['kind'][] = [
  'int',
  'float',
  'angle',
  'bool',
  'enum',
  'vec2',
  'vec3',
  'quaternion',
  'string',
  'list',
];

function randomValue(spec: Spec): unknown {
  switch (spec.kind) {
    case 'int':
      return spec.min + below(spec.max - spec.min + 1);
    case 'float':
      return spec.min + (random() * 1.1 - 0.05) * (spec.max - spec.min);
    case 'vec2':
    case 'vec3': {
      const one = () => spec.min + (random() * 1.1 - 0.05) * (spec.max - spec.min);
      return spec.kind === 'vec2' ? { x: one(), y: one() } : { x: one(), y: one(), z: one() };
    }
    case 'angle':
      return pick([0, Math.PI, -Math.PI, (random() - 0.5) * 20, (random() - 0.5) * 1e6]);
    case 'quaternion': {
      const q = { x: random() - 0.5, y: random() - 0.5, z: random() - 0.5, w: random() - 0.5 };
      return below(4) === 0 ? { x: 0, y: 0, z: 0, w: 1 } : q;
    }
    case 'bool':
      return random() < 0.5;
    case 'enum':
      return pick(spec.values);
    case 'string':
      return randomText(spec.maxLength);
    case 'list': {
      const length = below(Math.min(spec.maxLength, 5) + 1);
      return Array.from({ length }, () => randomValue(spec.element));
    }
  }
}

function randomType(name: string): TypeSpec {
  // Every kind once, then a few more of any kind.
  const kinds = [...KINDS, ...Array.from({ length: below(6) }, () => pick(KINDS))];
  return { name, fields: kinds.map((kind, index) => [`f${index}`, randomSpec(kind)]) };
}

// ---- Field encodings. ----

/** The page's truncated binary, read: n codes in `bits` bits, u = 2^bits - n short ones. */
function readTruncated(reader: BitReader, codes: number): number {
  const bits = bitsFor(codes);
  const u = 2 ** bits - codes;
  if (u === 0) return reader.readBits(bits);
  const head = reader.readBits(bits - 1);
  return head < u ? head : head * 2 + reader.readBits(1) - u;
}

function written(field: Field, code: unknown): BitReader {
  const writer = new BitWriter(8);
  field.write(writer, code as never);
  return new BitReader(writer.finish());
}

describe('docs/sync.md field encodings, read by the page alone', () => {
  it('reads int and enum codes and string lengths in truncated binary, plain when the count is 2^k', () => {
    for (let sample = 0; sample < 400; sample++) {
      const spec = randomSpec(pick(['int', 'enum', 'string'] as const));
      const field = declare(spec).compile('t.f') as Field;
      const value = randomValue(spec);
      const code = field.quantize(value as never);
      const reader = written(field, code);
      if (spec.kind === 'int')
        expect(readTruncated(reader, spec.max - spec.min + 1)).toBe(codeOf(spec, value));
      if (spec.kind === 'enum') expect(readTruncated(reader, spec.values.length)).toBe(codeOf(spec, value));
      if (spec.kind === 'string') {
        const bytes = new TextEncoder().encode(value as string);
        expect(readTruncated(reader, spec.maxLength + 1)).toBe(bytes.length);
        for (const byte of bytes) expect(reader.readBits(8)).toBe(byte);
      }
      expect(reader.bitsRemaining).toBeLessThan(8);
    }
  });

  it('reads a list as its length in truncated binary, then each element as its field alone writes it', () => {
    for (let sample = 0; sample < 300; sample++) {
      const spec = randomSpec('list') as Extract<Spec, { kind: 'list' }>;
      const field = declare(spec).compile('t.f') as Field;
      const value = randomValue(spec) as unknown[];
      const reader = written(field, field.quantize(value as never));
      expect(readTruncated(reader, spec.maxLength + 1)).toBe(value.length);
      for (const element of value) {
        const one = declare(spec.element).compile('t.e') as Field;
        const bits = one.bitLength(one.quantize(element as never));
        const expected = written(one, one.quantize(element as never));
        for (let left = bits; left > 0; left -= Math.min(left, 24)) {
          expect(reader.readBits(Math.min(left, 24))).toBe(expected.readBits(Math.min(left, 24)));
        }
      }
      expect(reader.bitsRemaining).toBeLessThan(8);
    }
  });

  it('gives angle codes and values by the documented formula', () => {
    const heading = angle({ bits: 10 }).compile('t.heading');
    for (const [value, code, back] of [
      [1.2, 196, 1.2026409377023426],
      [-0.5, 943, -0.4970097752749477],
      [Math.PI, 512, -Math.PI],
    ] as const) {
      expect([heading.quantize(value), heading.dequantize(code)]).toEqual([code, back]);
      expect(syncDoc).toContain(`code ${code}`);
    }
    for (let sample = 0; sample < 400; sample++) {
      const spec = randomSpec('angle') as { kind: 'angle'; bits: number };
      const field = angle(spec).compile('t.a');
      const value = randomValue(spec) as number;
      const code = angleCode(value, spec.bits);
      expect(field.quantize(value)).toBe(code);
      expect(field.dequantize(code)).toBe(angleValue(code, spec.bits));
      expect(written(field, code).readBits(spec.bits)).toBe(code);
    }
  });

  it('reads quaternions as the index, then x, y, z, w codes, decoded by the documented formula', () => {
    const turn = quaternion({ bits: 9 }).compile('t.q');
    const code = turn.quantize({ x: 0, y: 0.3826834323650898, z: 0, w: 0.9238795325112867 });
    expect(code).toEqual([3, 255, 393, 255]);
    expect(quaternionValue(code, 9)).toEqual({ x: 0, y: 0.38266955217154336, z: 0, w: 0.9238852817535468 });
    expect(syncDoc).toContain('y = 138 × step = 0.38266955217154336, w = 0.9238852817535468');
    for (let sample = 0; sample < 400; sample++) {
      const spec = randomSpec('quaternion') as { kind: 'quaternion'; bits: number };
      const field = quaternion(spec).compile('t.q');
      const wire = written(field, field.quantize(randomValue(spec) as Quat));
      const read = [
        wire.readBits(2),
        wire.readBits(spec.bits),
        wire.readBits(spec.bits),
        wire.readBits(spec.bits),
      ];
      const value = quaternionValue(read, spec.bits);
      expect(field.dequantize(read)).toEqual(value);
      expect(quaternionCode(value, spec.bits)).toEqual(read); // canonical
    }
  });

  it('reads relative codes: a class, then the zigzag or, after 11, the whole code in plain bits', () => {
    for (let sample = 0; sample < 600; sample++) {
      const spec = randomSpec(pick(['int', 'float', 'angle'] as const));
      const bits = specBits(spec);
      if (bits < 6) continue;
      const field = declare(spec).compile('t.f') as Field<unknown, number>;
      const relative = field.relative;
      expect(relative).toBeDefined();
      const maxCode = spec.kind === 'int' ? spec.max - spec.min : 2 ** bits - 1;
      const lastCode = spec.kind === 'float' ? floatSteps(spec) : maxCode;
      const baseline = below(lastCode + 1);
      // Near the baseline mostly, so every class is met; anywhere now and then (a jump).
      const near = baseline + pick([0, 1, -1, 5, -20, 300, -5000]);
      const code = below(3) === 0 || near < 0 || near > lastCode ? below(lastCode + 1) : near;
      const writer = new BitWriter(8);
      relative?.write(writer, code, baseline);
      const reader = new BitReader(writer.finish());
      let difference = code - baseline;
      if (spec.kind === 'angle') {
        difference = ((difference % 2 ** bits) + 2 ** bits) % 2 ** bits;
        if (difference >= 2 ** (bits - 1)) difference -= 2 ** bits;
      }
      const zigzag = difference >= 0 ? 2 * difference : -2 * difference - 1;
      const widths = [Math.ceil(bits / 4), Math.ceil(bits / 2), Math.ceil((3 * bits) / 4)];
      const expected = widths.findIndex((width) => zigzag < 2 ** width);
      const c = reader.readBits(2);
      expect(c).toBe(expected < 0 ? 3 : expected);
      let read: number;
      if (c === 3) {
        read = reader.readBits(bits);
      } else {
        const z = reader.readBits(widths[c] as number);
        read = baseline + ((z >>> 1) ^ -(z & 1));
        if (spec.kind === 'angle') read = ((read % 2 ** bits) + 2 ** bits) % 2 ** bits;
      }
      expect(read).toBe(code);
      expect(reader.bitsRemaining).toBeLessThan(8);
    }
  });
});

// ---- Snapshot checksum and types' fingerprint. ----

/** The header up to the checksum, as "Snapshot wire format" lays it out (per-client: no predictor). */
function readHeader(bytes: Uint8Array, relativeTypes: number) {
  const reader = new BitReader(bytes);
  const seq = reader.readBits(16);
  reader.readBits(16); // stream
  const tick = reader.readVarUint();
  const complete = reader.readBits(1) === 1;
  const acked = reader.readBits(1) === 1;
  const types = acked ? undefined : u32(reader.readBits(32));
  if (acked) {
    reader.readBits(6);
    expect(reader.readBits(1)).toBe(0); // no predictor
  }
  for (let type = 0; type < relativeTypes; type++) reader.readBits(1);
  return { seq, tick, complete, types, checksum: u32(reader.readBits(32)) };
}

const SHIP_AND_ROCK: TypeSpec[] = [
  {
    name: 'ship',
    fields: [
      ['hp', { kind: 'int', min: 0, max: 100 }],
      ['shield', { kind: 'bool' }],
    ],
  },
  { name: 'rock', fields: [['size', { kind: 'int', min: 0, max: 3 }]] },
];

/** The type of the list example. */
const CAR: TypeSpec[] = [
  {
    name: 'car',
    fields: [
      ['lap', { kind: 'int', min: 0, max: 7 }],
      ['ammo', { kind: 'list', maxLength: 4, element: { kind: 'int', min: 0, max: 9 } }],
      ['boost', { kind: 'bool' }],
    ],
  },
];

describe('docs/sync.md checksum and fingerprint, computed by the page alone', () => {
  it('match the worked example', () => {
    const text = fingerprintText(SHIP_AND_ROCK);
    expect(syncDoc).toContain(`\`${text}\``);
    expect(fingerprint(SHIP_AND_ROCK)).toBe(0xe475ba96);
    expect(entityRegistry(SHIP_AND_ROCK.map(typeOf)).fingerprint).toBe(0xe475ba96);
    const hex = (n: number) => `\`0x${n.toString(16).padStart(8, '0')}\``;
    const shares = [share(0, [100, 1]), share(1, [2]), share(2, [50, 0]), share(3, [20, 0])];
    expect(syncDoc).toContain(`header(0, 7, 1) = ${hex(headerShare(0, 7, true))}`);
    expect(syncDoc).toContain(`hashCodes(\`[100, 1]\`) =\n  ${hex(hashCodes([100, 1]))}`);
    for (const value of shares) expect(syncDoc).toContain(hex(value));
    const sum = u32(shares.reduce((total, value) => total + value, headerShare(0, 7, true)));
    expect(syncDoc).toContain(`their sum, ${hex(sum)}`);
    const golden = Buffer.from('000003010759ead691638ff36f2428ffd5625628', 'hex');
    expect(readHeader(golden, 1)).toMatchObject({ seq: 0, tick: 7, complete: true, types: 0xe475ba96 });
    expect(readHeader(golden, 1).checksum).toBe(sum);
    // The Vehicle at the top of the page.
    const position = fieldText('vehicle.position', { kind: 'vec3', min: -1000, max: 1000, precision: 0.01 });
    expect(syncDoc).toContain(`\`${position}\``);
    const state = fieldText('vehicle.state', { kind: 'enum', values: ['idle', 'driving', 'wrecked'] });
    expect(syncDoc).toContain(`\`${state}\``);
    // The list the page describes.
    const ammo: Spec = { kind: 'list', maxLength: 8, element: { kind: 'int', min: 0, max: 99 } };
    const ammoText = fieldText('vehicle.ammo', ammo);
    expect(syncDoc).toContain(`\`${ammoText}\``);
    const Ammo = entity('vehicle', { ammo: declare(ammo) });
    expect(entityRegistry([Ammo]).fingerprint).toBe(hashCodes([`vehicle{${ammoText}}`]));
  });

  it('match the list example', () => {
    // The page wraps its lines anywhere: compare its words.
    const flatDoc = syncDoc.replace(/\s+/g, ' ');
    const text = fingerprintText(CAR);
    expect(flatDoc).toContain(`\`${text}\``);
    expect(fingerprint(CAR)).toBe(0xfd2d020c);
    expect(entityRegistry(CAR.map(typeOf)).fingerprint).toBe(0xfd2d020c);
    expect(flatDoc).toContain('the fingerprint `0xfd2d020c`');
    const hex = (n: number) => `\`0x${n.toString(16).padStart(8, '0')}\``;
    // A list's code is the array of its elements' codes, hashed as its length, then each element.
    const carShares = [share(0, [1, [9, 2], 0]), share(1, [0, [], 1])];
    expect(flatDoc).toContain(`header(0, 1, 1) = ${hex(headerShare(0, 1, true))}`);
    expect(flatDoc).toContain(`hashCodes(\`[1, [9, 2], 0]\`) = ${hex(hashCodes([1, [9, 2], 0]))}`);
    expect(flatDoc).toContain(`share(0, …) = ${hex(carShares[0] as number)}`);
    expect(flatDoc).toContain(`share(1, \`[0, [], 1]\`) = ${hex(carShares[1] as number)}`);
    const sum = u32(carShares.reduce((total, value) => total + value, headerShare(0, 1, true)));
    expect(flatDoc).toContain(`their sum, ${hex(sum)}`);
    const golden = Buffer.from('00000000013108b4f4b3f85ea709547c2910', 'hex');
    expect(flatDoc).toContain('`00000000013108b4f4b3f85ea709547c2910`');
    expect(readHeader(golden, 0)).toMatchObject({ seq: 0, tick: 1, complete: true, types: 0xfd2d020c });
    expect(readHeader(golden, 0).checksum).toBe(sum);
  });

  it('match the package for random types of every field kind', () => {
    for (let sample = 0; sample < 200; sample++) {
      const types = Array.from({ length: 1 + below(3) }, (_, index) =>
        randomType(`${randomText(4)}t${index}`),
      );
      const registry = entityRegistry(types.map(typeOf));
      expect(registry.fingerprint).toBe(fingerprint(types));
      expect(registry.typeBits).toBe(bitsFor(types.length));
    }
  });

  it('match the package for a few hundred random states, through deltas, cut budgets and big ticks', () => {
    let states = 0;
    for (let round = 0; round < 12; round++) {
      const specs = [randomType('a'), randomType('b')];
      const types = specs.map(typeOf);
      const registry = entityRegistry(types);
      const table = new EntityTable();
      const encoder = new SnapshotEncoder(registry, { firstSeq: below(65_536) });
      const decoder = new SnapshotDecoder(registry);
      const randomState = (spec: TypeSpec) =>
        Object.fromEntries(spec.fields.map(([name, field]) => [name, randomValue(field)]));
      const typeIndex = new Map<number, number>();
      for (let entityIndex = 0; entityIndex < 8; entityIndex++) {
        const which = below(2);
        typeIndex.set(
          table.spawn(types[which] as never, randomState(specs[which] as TypeSpec) as never),
          which,
        );
      }
      let tick = pick([0, 5, 2 ** 32 - 3, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER - 100]);
      for (let step = 0; step < 6; step++) {
        for (const [id, which] of typeIndex) {
          if (random() < 0.6)
            table.update(id, types[which] as never, randomState(specs[which] as TypeSpec) as never);
        }
        tick += 1 + below(3);
        const budgetBytes = random() < 0.3 ? 60 + below(200) : Number.POSITIVE_INFINITY;
        const snapshot = encoder.encode(table.frame(tick), { budgetBytes });
        const outcome = decoder.decode(snapshot.bytes);
        expect(outcome.kind).toBe('applied');
        if (outcome.kind !== 'applied') continue;
        const header = readHeader(snapshot.bytes, registry.relativeTypeIds.length);
        expect(header.tick).toBe(tick);
        if (header.types !== undefined) expect(header.types).toBe(fingerprint(specs));
        let sum = headerShare(header.seq, tick, header.complete);
        for (const id of [...outcome.created, ...outcome.updated]) {
          const spec = specs[typeIndex.get(id) as number] as TypeSpec;
          const type = types[typeIndex.get(id) as number];
          const state = decoder.stateOf(id, type as never) as unknown as Record<string, unknown>;
          sum = u32(
            sum +
              share(
                id,
                spec.fields.map(([name, field]) => codeOf(field, state[name])),
              ),
          );
          states++;
        }
        expect(header.checksum).toBe(sum);
        if (random() < 0.8) encoder.receiveAck(decoder.ack());
      }
    }
    expect(states).toBeGreaterThan(300);
  });

  it('header: 15 bytes at least with the fingerprint, 12 after an ack', () => {
    const registry = entityRegistry([entity('t', { k: int({ min: 0, max: 1 }) })]);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const first = encoder.encode(new EntityTable().frame(1));
    expect(first.bytes.length).toBe(15);
    decoder.decode(first.bytes);
    encoder.receiveAck(decoder.ack());
    expect(encoder.encode(new EntityTable().frame(2)).bytes.length).toBe(12);
    expect(syncDoc).toContain('at least 12 bytes, 15 with the types');
  });
});
