/**
 * A state-sync snapshot decoder written from docs/sync.md alone ("Field types", "Snapshot wire format",
 * "Checksum and fingerprint", "Link framing"), as a studio writing a native client would: nothing of the
 * library is imported, only Node's zlib for raw DEFLATE. test/integration/foreign-snapshots.test.ts runs
 * it against the real server.
 */
import { inflateRawSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------------
// Bits: "least significant first, no padding between fields".
// ---------------------------------------------------------------------------------------------------

export class WireError extends Error {}

export class Bits {
  #at = 0;
  constructor(readonly bytes: Uint8Array) {}
  get at(): number {
    return this.#at;
  }
  get left(): number {
    return this.bytes.length * 8 - this.#at;
  }
  bit(): number {
    if (this.#at >= this.bytes.length * 8) throw new WireError('input ends');
    const value = (this.bytes[this.#at >> 3]! >> (this.#at & 7)) & 1;
    this.#at++;
    return value;
  }
  /** `count` bits as an unsigned value, the first read being its least significant (up to 53). */
  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value += this.bit() * 2 ** i;
    return value;
  }
  /** "A varuint": 8-bit groups, 7 value bits then a continuation bit, at most 8 groups. */
  varuint(): number {
    let value = 0;
    for (let group = 0; group < 8; group++) {
      const byte = this.bits(8);
      value += (byte & 0x7f) * 2 ** (7 * group);
      if ((byte & 0x80) === 0) {
        if (value > Number.MAX_SAFE_INTEGER) throw new WireError('varuint too large');
        return value;
      }
    }
    throw new WireError('varuint over 8 groups');
  }
  /** "The padding": zero bits up to the next byte, then nothing more. */
  end(): void {
    if (this.left >= 8) throw new WireError('extra bytes');
    while (this.left > 0) if (this.bit() !== 0) throw new WireError('non-zero padding');
  }
}

/** Truncated binary of `n` codes in `bits` bits, as "Reading" in the field notes spells it. */
export function readTruncated(reader: Bits, n: number, bits: number): number {
  const u = 2 ** bits - n;
  if (u === 0) return reader.bits(bits);
  const head = reader.bits(bits - 1);
  return head < u ? head : head * 2 + reader.bit() - u;
}

/** The prefix codes `0`, `10`, `110`, `111` (as read, in wire order): 0, 1, 2, 3. */
export function prefixOnes(reader: Bits): number {
  let ones = 0;
  while (ones < 3 && reader.bit() === 1) ones++;
  return ones;
}

const bitsFor = (codes: number) => Math.ceil(Math.log2(codes));

// ---------------------------------------------------------------------------------------------------
// Field types, as the client declares them (the same declarations as the server's, from the table).
// ---------------------------------------------------------------------------------------------------

export type FieldDecl =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'float'; min: number; max: number; precision: number }
  | { kind: 'angle'; bits: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'vec2' | 'vec3'; min: number; max: number; precision: number }
  | { kind: 'quaternion'; bits: number }
  | { kind: 'string'; maxLength: number }
  | { kind: 'list'; element: ElementDecl; maxLength: number };

/** "the element: any `int`, `float`, `angle`, `bool`, `enumOf` or `string` declaration". */
export type ElementDecl = Extract<
  FieldDecl,
  { kind: 'int' | 'float' | 'angle' | 'bool' | 'enum' | 'string' }
>;

export interface TypeDecl {
  name: string;
  fields: [name: string, decl: FieldDecl][];
}

/** A scalar's wire shape: its code count (`maxCode` + 1), bits, and whether it may be relative. */
interface Scalar {
  codes: number;
  bits: number;
  plain: boolean; // angles and bools "fill their bits and are plain"
  angle: boolean;
  toValue: (code: number) => unknown;
}

function floatScalar(min: number, max: number, precision: number): Scalar {
  // "the grid ... has round((max − min) / precision) steps"
  const steps = Math.round((max - min) / precision);
  return {
    codes: steps + 1,
    bits: bitsFor(steps + 1),
    plain: false,
    angle: false,
    toValue: (k) => min + k * precision,
  };
}

/** The scalar parts of a field: one, or a vector's components x, y (z); none for text, rotations, lists. */
export function partsOf(decl: FieldDecl): Scalar[] {
  switch (decl.kind) {
    case 'int':
      return [
        {
          codes: decl.max - decl.min + 1,
          bits: bitsFor(decl.max - decl.min + 1),
          plain: false,
          angle: false,
          toValue: (c) => decl.min + c,
        },
      ];
    case 'float':
      return [floatScalar(decl.min, decl.max, decl.precision)];
    case 'angle': {
      const step = (2 * Math.PI) / 2 ** decl.bits;
      const half = 2 ** (decl.bits - 1);
      return [
        {
          codes: 2 ** decl.bits,
          bits: decl.bits,
          plain: true,
          angle: true,
          toValue: (c) => (c < half ? c : c - 2 ** decl.bits) * step,
        },
      ];
    }
    case 'bool':
      return [{ codes: 2, bits: 1, plain: true, angle: false, toValue: (c) => c === 1 }];
    case 'enum':
      return [
        {
          codes: decl.values.length,
          bits: decl.values.length === 1 ? 0 : bitsFor(decl.values.length),
          plain: false,
          angle: false,
          toValue: (c) => decl.values[c],
        },
      ];
    case 'vec2':
    case 'vec3': {
      const component = floatScalar(decl.min, decl.max, decl.precision);
      return decl.kind === 'vec2' ? [component, component] : [component, component, component];
    }
    case 'quaternion':
    case 'string':
    case 'list':
      return []; // no scalar parts: see readWhole
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** "the length in truncated binary of `maxLength + 1` codes", then that many UTF-8 bytes. */
function readString(reader: Bits, maxLength: number): string {
  const length = readTruncated(reader, maxLength + 1, bitsFor(maxLength + 1));
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = reader.bits(8);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WireError('malformed UTF-8');
  }
}

/**
 * A field's code: a number, a vector's array of component codes, a quaternion's `[index, k1, k2, k3]`,
 * a string's text, or a list's array of element codes.
 */
export type Code = number | number[] | string | (number | string)[];

function readScalar(reader: Bits, scalar: Scalar): number {
  const code = scalar.plain ? reader.bits(scalar.bits) : readTruncated(reader, scalar.codes, scalar.bits);
  if (code >= scalar.codes) throw new WireError('code out of range');
  return code;
}

// "With `L` = 2^(bits − 1) − 1 ... and `step` = √½ / `L`, `k` stands for `(k − L) × step`".
const quaternionGrid = (bits: number) => {
  const L = 2 ** (bits - 1) - 1;
  return { L, step: Math.SQRT1_2 / L }; // float64 0.7071067811865476, as the document spells it
};
const AXES = ['x', 'y', 'z', 'w'] as const;

/** The rotation a quaternion code stands for: the three kept components, the dropped one rebuilt. */
export function quaternionValue(bits: number, code: number[]): Record<(typeof AXES)[number], number> {
  const { L, step } = quaternionGrid(bits);
  const dropped = code[0]!;
  const value = { x: 0, y: 0, z: 0, w: 0 };
  let sum = 0;
  let next = 1;
  for (let axis = 0; axis < 4; axis++) {
    if (axis === dropped) continue;
    const c = (code[next++]! - L) * step;
    value[AXES[axis]!] = c;
    sum += c * c;
  }
  value[AXES[dropped]!] = Math.sqrt(Math.max(0, 1 - sum));
  return value;
}

/** "Encoding a unit quaternion", for the canonical test of a code read. */
export function quaternionCode(bits: number, q: Record<(typeof AXES)[number], number>): number[] {
  const { L, step } = quaternionGrid(bits);
  const parts = AXES.map((axis) => q[axis]);
  let index = 0;
  for (let i = 1; i < 4; i++) if (Math.abs(parts[i]!) > Math.abs(parts[index]!)) index = i;
  const sign = parts[index]! < 0 ? -1 : 1;
  const code = [index];
  for (let i = 0; i < 4; i++)
    if (i !== index) code.push(Math.min(Math.max(Math.round((sign * parts[i]!) / step), -L), L) + L);
  return code;
}

export function fieldValue(decl: FieldDecl, code: Code): unknown {
  if (decl.kind === 'list')
    return (code as (number | string)[]).map((element) => fieldValue(decl.element, element));
  if (decl.kind === 'quaternion') return quaternionValue(decl.bits, code as number[]);
  if (typeof code === 'string') return code;
  const parts = partsOf(decl);
  if (Array.isArray(code)) {
    const value: Record<string, unknown> = {};
    code.forEach((c, i) => {
      value[AXES[i]!] = parts[i]!.toValue(c as number);
    });
    return value;
  }
  return parts[0]!.toValue(code);
}

/** A field as `writeFullState` writes it: every kind, nothing relative. */
function readWhole(reader: Bits, decl: FieldDecl): Code {
  switch (decl.kind) {
    case 'string':
      return readString(reader, decl.maxLength);
    case 'quaternion': {
      // "the index of the dropped component ... in 2 bits, then the three kept components ... each a
      // plain `bits`-bit code `k` in 0..2^bits − 2"; "must be canonical ... else `BAD_FRAME`".
      const code = [reader.bits(2)];
      for (let i = 0; i < 3; i++) {
        const k = reader.bits(decl.bits);
        if (k > 2 ** decl.bits - 2) throw new WireError('quaternion code out of range');
        code.push(k);
      }
      const again = quaternionCode(decl.bits, quaternionValue(decl.bits, code));
      if (again.some((part, i) => part !== code[i])) throw new WireError('quaternion not canonical');
      return code;
    }
    case 'list': {
      // "the length in truncated binary of `maxLength + 1` codes ..., then each element as its own field".
      const length = readTruncated(reader, decl.maxLength + 1, bitsFor(decl.maxLength + 1));
      const elements: (number | string)[] = [];
      for (let i = 0; i < length; i++) elements.push(readWhole(reader, decl.element) as number | string);
      return elements;
    }
    default: {
      const parts = partsOf(decl).map((p) => readScalar(reader, p));
      return decl.kind === 'vec2' || decl.kind === 'vec3' ? parts : parts[0]!;
    }
  }
}

/** "Numeric fields of 6 bits or more (int, float, angle, and vec2/vec3 by component)". */
const relativeScalar = (decl: FieldDecl, scalar: Scalar) =>
  (decl.kind === 'int' ||
    decl.kind === 'float' ||
    decl.kind === 'angle' ||
    decl.kind === 'vec2' ||
    decl.kind === 'vec3') &&
  scalar.bits >= 6;

// ---------------------------------------------------------------------------------------------------
// Checksum and fingerprint.
// ---------------------------------------------------------------------------------------------------

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
const mix = (h: number, w: number) => {
  const m = Math.imul((h ^ w) >>> 0, PRIME) >>> 0;
  return (m ^ (m >>> 15)) >>> 0;
};
const finish = (input: number) => {
  let h = input;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
};

export function hashCodes(codes: Code[]): number {
  let h = mix(OFFSET, codes.length);
  const text = (t: string) => {
    h = mix(h, t.length);
    for (let i = 0; i < t.length; i++) h = mix(h, t.charCodeAt(i));
  };
  for (const code of codes) {
    if (typeof code === 'string') text(code);
    else if (Array.isArray(code)) {
      // A vector's or quaternion's parts, or a list's elements: "a number as mix(h, e), a text as its
      // length and code units".
      h = mix(h, code.length);
      for (const part of code) {
        if (typeof part === 'string') text(part);
        else h = mix(h, part);
      }
    } else h = mix(h, code);
  }
  return h;
}

export const share = (id: number, codes: Code[]) => finish(mix(mix(OFFSET, id), hashCodes(codes)));
export const headerHash = (seq: number, tick: number, complete: number) =>
  finish(
    mix(mix(mix((OFFSET ^ 0x5a) >>> 0, seq), tick % 2 ** 32), Math.floor(tick / 2 ** 32) * 2 + complete),
  );

const grid = (rounding: string, min: number, step: number, maxCode: number) =>
  JSON.stringify({ rounding, min, step, maxCode });

/** A field's `bits` as the description writes it: "the table's most a code takes". */
function maxBits(decl: FieldDecl): number {
  switch (decl.kind) {
    case 'string':
      return bitsFor(decl.maxLength + 1) + 8 * decl.maxLength;
    case 'quaternion':
      return 2 + 3 * decl.bits;
    case 'list':
      return bitsFor(decl.maxLength + 1) + decl.maxLength * maxBits(decl.element);
    default:
      return partsOf(decl).reduce((sum, p) => sum + p.bits, 0);
  }
}

/** `kind " " bits " " grid " " detail`: a field without its path, as a list's element is described. */
function describe(decl: FieldDecl): string {
  const bits = maxBits(decl);
  switch (decl.kind) {
    case 'int':
      return `int ${bits} ${grid('whole', decl.min, 1, decl.max - decl.min)} `;
    case 'float':
      return `float ${bits} ${grid('offset', decl.min, decl.precision, partsOf(decl)[0]!.codes - 1)} `;
    case 'angle':
      return `angle ${bits} ${grid('turn', 0, (2 * Math.PI) / 2 ** decl.bits, 2 ** decl.bits - 1)} `;
    case 'bool':
      return 'bool 1 null ';
    case 'enum':
      return `enum ${bits} null ${JSON.stringify(decl.values)}`;
    case 'string':
      return `string ${bits} null `;
    case 'vec2':
    case 'vec3':
      return `${decl.kind} ${bits} null ${grid('offset', decl.min, decl.precision, partsOf(decl)[0]!.codes - 1)}`;
    case 'quaternion':
      return `quaternion ${bits} null `;
    case 'list':
      return `list ${bits} null ${decl.maxLength} ${describe(decl.element)}`;
  }
}

/** The registry's description text, "Checksum and fingerprint". */
export function typesText(types: TypeDecl[]): string {
  return types
    .map((type) => {
      const fields = type.fields.map(([name, decl]) => `${type.name}.${name} ${describe(decl)}`);
      return `${type.name}{${fields.join(',')}}`;
    })
    .join(';');
}

export const fingerprint = (types: TypeDecl[]) => hashCodes([typesText(types)]);

// ---------------------------------------------------------------------------------------------------
// Snapshots.
// ---------------------------------------------------------------------------------------------------

const seqNewer = (a: number, b: number) => {
  const d = (a - b) & 0xffff;
  return d > 0 && d < 0x8000;
};

export interface Header {
  seq: number;
  stream: number;
  tick: number;
  complete: number;
  acked: number | undefined; // the acked snapshot's seq
  types: number | undefined;
  predictor: number | undefined; // the predictor snapshot's seq
  modes: number[]; // per type: 0 whole, 1 relative, 2 predicted (types without relative fields: 0)
  checksum: number;
  /** Where the checksum starts, in bits from the snapshot's first (for tests that damage it). */
  checksumAt: number;
}

export interface Entity {
  type: number;
  codes: Code[];
}

interface Copy {
  seq: number;
  codes: Code[];
}

export type Outcome =
  | {
      kind: 'applied';
      header: Header;
      fulls: number;
      removals: number[];
      /** The ids of its full states, deltas and repeats, and of its full states alone. */
      carried: number[];
      fullIds: number[];
      named: number;
    }
  | { kind: 'filled'; header: Header }
  | { kind: 'stale' | 'otherStream'; header: Header }
  | { kind: 'resync'; header: Header; why: string };

export class ForeignSnapshotDecoder {
  readonly types: TypeDecl[];
  readonly fingerprint: number;
  readonly entities = new Map<number, Entity>();
  stream: number | undefined;
  newest: number | undefined; // newest applied seq
  resync = false;
  readonly #applied = new Set<number>();
  readonly #ticks = new Map<number, number>(); // seq -> tick of applied snapshots
  readonly #copies = new Map<number, Copy[]>(); // per entity, in seq order, kept after a removal
  readonly #typeOf = new Map<number, number>(); // per entity ever held: for late fills of one gone since
  readonly #removedAt = new Map<number, number>(); // per entity, the seq of the newest removal applied
  readonly #typeBits: number;
  readonly #relativeTypes: boolean[];

  constructor(types: TypeDecl[]) {
    this.types = types;
    this.fingerprint = fingerprint(types);
    this.#typeBits = types.length === 1 ? 0 : bitsFor(types.length);
    this.#relativeTypes = types.map((t) =>
      t.fields.some(([, d]) => partsOf(d).some((p) => relativeScalar(d, p))),
    );
  }

  /** The values of an entity, as the document says the client sees them. */
  stateOf(id: number): Record<string, unknown> | undefined {
    const entity = this.entities.get(id);
    if (!entity) return undefined;
    const type = this.types[entity.type]!;
    return Object.fromEntries(
      type.fields.map(([name, decl], i) => [name, fieldValue(decl, entity.codes[i]!)]),
    );
  }

  readHeader(reader: Bits): Header {
    const seq = reader.bits(16);
    const stream = reader.bits(16);
    const tick = reader.varuint();
    const complete = reader.bit();
    let acked: number | undefined;
    let types: number | undefined;
    let predictor: number | undefined;
    if (reader.bit()) acked = (seq - (reader.bits(6) + 1)) & 0xffff;
    else types = reader.bits(32);
    if (acked !== undefined && reader.bit()) predictor = (acked - (reader.bits(6) + 1)) & 0xffff;
    const modes = this.#relativeTypes.map((relative) =>
      relative ? reader.bits(predictor === undefined ? 1 : 2) : 0,
    );
    const checksumAt = reader.at;
    const checksum = reader.bits(32);
    return { seq, stream, tick, complete, acked, types, predictor, modes, checksum, checksumAt };
  }

  /** The newest copy of `id` from a snapshot at or before `seq` (seq order, as applied). */
  #copyAt(id: number, seq: number): Copy | undefined {
    const copies = this.#copies.get(id);
    if (!copies) return undefined;
    for (let i = copies.length - 1; i >= 0; i--) {
      const copy = copies[i]!;
      if (copy.seq === seq || seqNewer(seq, copy.seq)) return copy;
    }
    return undefined;
  }

  /**
   * The resent snapshot of a chain ("Resent snapshots"): newer than the newest applied, an ordinary one;
   * older, within 32 and never applied, a late fill: kept as copies as of its seq, nothing current changed.
   */
  decodeResent(bytes: Uint8Array): Outcome {
    return this.decode(bytes, true);
  }

  /** A tag-1 snapshot's bytes. */
  decode(bytes: Uint8Array, resent = false): Outcome {
    const reader = new Bits(bytes);
    const header = this.readHeader(reader);
    if (this.stream !== undefined && header.stream !== this.stream) return { kind: 'otherStream', header };
    let late = false;
    // "A snapshot whose seq reads as not newer but whose tick is later than the newest applied one's was
    // sent after it ..., so the decoder takes it as newer": what ends a stall past 32,767 lost seqs.
    const later = this.newest !== undefined && header.tick > this.#ticks.get(this.newest)!;
    if (this.newest !== undefined && !seqNewer(header.seq, this.newest) && !later) {
      const back = (this.newest - header.seq) & 0xffff;
      if (!resent || back === 0 || back > 32 || this.#applied.has(header.seq))
        return { kind: 'stale', header };
      late = true;
    }
    this.stream = header.stream;
    if (header.types !== undefined && header.types !== this.fingerprint)
      return this.#resync(header, 'typesDiffer');

    // A prediction needs the ticks of the acked and the predictor snapshots: a client that never applied
    // one of them cannot decode it.
    if (
      header.predictor !== undefined &&
      (!this.#ticks.has(header.acked!) || !this.#ticks.has(header.predictor))
    )
      return this.#resync(header, 'acked or predictor snapshot not applied here');

    // Decode into a list of changes, applied only if the checksum agrees ("applies whole or not at all").
    const count = reader.varuint();
    if (count > reader.left) throw new WireError('count over the bits left');
    const records: {
      id: number;
      type: number;
      codes: Code[] | null;
      removal?: number;
      full?: boolean;
      named?: boolean;
    }[] = [];
    let id = -1;
    let lastMask: number | undefined;
    for (let r = 0; r < count; r++) {
      let mask: number | undefined;
      let baseline: Copy | undefined;
      let type: number;
      let named = false;
      if (reader.bit() === 0) {
        // A repeat: next id, an unnamed delta with the previous record's mask.
        if (lastMask === undefined) throw new WireError('misplaced repeat');
        id++;
        mask = lastMask;
        const held = this.#held(id, late);
        if (held === undefined) return this.#resync(header, `no copy of ${id}`);
        type = held;
        baseline = header.acked === undefined ? undefined : this.#copyAt(id, header.acked);
      } else {
        const gap =
          reader.bit() === 0
            ? 0
            : reader.bit() === 0
              ? reader.bits(4) + 1
              : reader.bit() === 0
                ? reader.bits(10) + 17
                : reader.bits(32);
        id = id + 1 + gap;
        if (id > 0xffffffff) throw new WireError('id past 2^32 − 1');
        const kind = (['delta', 'full', 'named', 'remove'] as const)[prefixOnes(reader)]!;
        if (kind === 'remove') {
          records.push({ id, type: -1, codes: null, removal: reader.bit() });
          lastMask = undefined;
          continue;
        }
        if (kind === 'full') {
          type = reader.bits(this.#typeBits);
          const decl = this.types[type];
          if (!decl) throw new WireError('unknown type id');
          const codes = decl.fields.map(([, d]) => readWhole(reader, d));
          records.push({ id, type, codes, full: true });
          lastMask = undefined;
          continue;
        }
        named = kind === 'named';
        if (named) {
          // Its distance back counts from this snapshot's seq.
          const baselineSeq =
            reader.bit() === 0 ? (header.seq - (reader.bits(6) + 1)) & 0xffff : reader.bits(16);
          baseline = this.#copies.get(id)?.find((c) => c.seq === baselineSeq);
        } else baseline = header.acked === undefined ? undefined : this.#copyAt(id, header.acked);
        const held = this.#held(id, late);
        if (!baseline || held === undefined) return this.#resync(header, `no baseline for ${id}`);
        type = held;
        mask = reader.bits(this.types[type]!.fields.length);
      }
      if (!baseline) return this.#resync(header, `no baseline for ${id}`);
      // Only deltas against the implied copy (repeats included) are predicted: a named one in a type in
      // mode 2 is relative to its baseline alone.
      const codes = this.#readChanges(reader, header, id, type, mask, baseline, !named);
      records.push({ id, type, codes, named });
      lastMask = mask;
    }
    reader.end();

    // The checksum: header plus every non-removal record's share (its whole state after the record).
    let sum = headerHash(header.seq, header.tick, header.complete);
    for (const record of records) if (record.codes) sum = (sum + share(record.id, record.codes)) >>> 0;
    if (sum !== header.checksum) return this.#resync(header, 'checksum');

    this.#applied.add(header.seq);
    this.#ticks.set(header.seq, header.tick);
    if (late) {
      // Copies as of its seq, in seq order in each entity's ring. "A record newer than every one the
      // client applied of its entity (a copy held, or a removal) is the entity's state now."
      for (const record of records) {
        const held = this.entities.get(record.id);
        const copies = this.#copies.get(record.id) ?? [];
        const removed = this.#removedAt.get(record.id);
        const newest =
          (held === undefined || seqNewer(header.seq, copies.at(-1)!.seq)) &&
          (removed === undefined || seqNewer(header.seq, removed));
        if (!record.codes) {
          if (newest) {
            this.entities.delete(record.id);
            this.#removedAt.set(record.id, header.seq);
          }
          continue;
        }
        // Back with another type: the copies of the one held went with it.
        if (newest && held && held.type !== record.type) copies.length = 0;
        let at = copies.length;
        while (at > 0 && seqNewer(copies[at - 1]!.seq, header.seq)) at--;
        copies.splice(at, 0, { seq: header.seq, codes: record.codes });
        this.#copies.set(record.id, copies);
        this.#typeOf.set(record.id, record.type);
        if (newest) this.entities.set(record.id, { type: record.type, codes: record.codes });
      }
      return { kind: 'filled', header };
    }
    for (const record of records) {
      if (!record.codes) {
        // "a removal of an entity the client never held is ignored"; its copies stay for late fills.
        this.entities.delete(record.id);
        this.#removedAt.set(record.id, header.seq);
        continue;
      }
      const previous = this.entities.get(record.id);
      if (previous && previous.type !== record.type) this.#copies.delete(record.id);
      this.entities.set(record.id, { type: record.type, codes: record.codes });
      this.#typeOf.set(record.id, record.type);
      const copies = this.#copies.get(record.id) ?? [];
      copies.push({ seq: header.seq, codes: record.codes });
      // "every copy it got in the last 64 snapshots ... and the newest one older than those 64"
      while (copies.length > 1 && ((header.seq - copies[1]!.seq) & 0xffff) > 64) copies.shift();
      this.#copies.set(record.id, copies);
    }
    this.newest = header.seq;
    this.#applied.delete((header.seq - 40) & 0xffff);
    this.#ticks.delete((header.seq - 200) & 0xffff);
    this.resync = false;
    return {
      kind: 'applied',
      header,
      fulls: records.filter((r) => r.full).length,
      removals: records.filter((r) => !r.codes).map((r) => r.removal!),
      carried: records.filter((r) => r.codes).map((r) => r.id),
      fullIds: records.filter((r) => r.full).map((r) => r.id),
      named: records.filter((r) => r.named).length,
    };
  }

  /** The type of the entity a delta is of: held now, or (for a late fill) held once. */
  #held(id: number, late: boolean): number | undefined {
    return this.entities.get(id)?.type ?? (late ? this.#typeOf.get(id) : undefined);
  }

  #resync(header: Header, why: string): Outcome {
    this.resync = true;
    return { kind: 'resync', header, why };
  }

  /** `writeStateChanges` against `baseline`, relative as the header's mode for the type says. */
  #readChanges(
    reader: Bits,
    header: Header,
    id: number,
    type: number,
    mask: number,
    baseline: Copy,
    implied: boolean,
  ): Code[] {
    const decl = this.types[type]!;
    const mode = header.modes[type]!;
    let predicted: { copy: Copy; t: number; ta: number; tp: number } | undefined;
    if (mode === 2 && implied) {
      const copy = this.#copyAt(id, header.predictor!);
      const ta = this.#ticks.get(header.acked!)!;
      const tp = this.#ticks.get(header.predictor!)!;
      // "An entity the client held no copy of as of the predictor (new since) is written against its baseline."
      // No motion to continue when either span of ticks is not positive: the reference is the baseline.
      if (copy && ta > tp && header.tick > ta) predicted = { copy, t: header.tick, ta, tp };
    }
    return decl.fields.map(([, d], f): Code => {
      const base = baseline.codes[f]!;
      if (((mask >>> f) & 1) === 0) return base;
      // "Fields below 6 bits, and bools, enums, strings and quaternions, are written as in
      // `writeStateChanges` whatever the type's mode"; "a list is never relative".
      if (mode === 0 || !partsOf(d).some((p) => relativeScalar(d, p))) return readWhole(reader, d);
      const parts = partsOf(d);
      const read = parts.map((scalar, c) => {
        if (mode === 0 || !relativeScalar(d, scalar)) return readScalar(reader, scalar);
        const b = (Array.isArray(base) ? base[c]! : base) as number;
        let reference = b;
        if (predicted) {
          const pc = predicted.copy.codes[f]!;
          const p = (Array.isArray(pc) ? pc[c]! : pc) as number;
          let velocity = b - p;
          if (scalar.angle)
            velocity =
              ((((velocity + scalar.codes / 2) % scalar.codes) + scalar.codes) % scalar.codes) -
              scalar.codes / 2;
          reference =
            b + Math.round((velocity * (predicted.t - predicted.ta)) / (predicted.ta - predicted.tp));
          reference = scalar.angle
            ? ((reference % scalar.codes) + scalar.codes) % scalar.codes
            : Math.min(Math.max(reference, 0), scalar.codes - 1);
        }
        const cls = reader.bits(2);
        if (cls === 3) {
          const whole = reader.bits(scalar.bits);
          if (whole >= scalar.codes) throw new WireError('whole code out of range');
          return whole;
        }
        const width = Math.ceil(((cls + 1) * scalar.bits) / 4);
        const z = reader.bits(width);
        const difference = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        const code = reference + difference;
        if (scalar.angle) return ((code % scalar.codes) + scalar.codes) % scalar.codes;
        if (code < 0 || code >= scalar.codes) throw new WireError('relative code out of range');
        return code;
      });
      return d.kind === 'vec2' || d.kind === 'vec3' ? read : read[0]!;
    });
  }

  /** The ack-only message's 7 bytes (or 1 before any snapshot applied), "The ack-only message". */
  ack(): Uint8Array {
    const resync = this.resync ? 1 : 0;
    if (this.newest === undefined) return Uint8Array.of(resync << 1);
    const bits: number[] = [1];
    for (let i = 0; i < 16; i++) bits.push((this.newest >> i) & 1);
    for (let i = 0; i < 32; i++) bits.push(this.#applied.has((this.newest - 1 - i) & 0xffff) ? 1 : 0);
    bits.push(resync);
    const out = new Uint8Array(7);
    bits.forEach((bit, i) => {
      out[i >> 3]! |= bit << (i & 7);
    });
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Link framing: the tag byte of every phys message.
// ---------------------------------------------------------------------------------------------------

/** The snapshots in one server-to-client phys message: tag 1, 2 (raw DEFLATE) or 5 (a chain). */
export function snapshotsIn(message: Uint8Array): { resent?: Uint8Array; snapshot: Uint8Array } | undefined {
  const tag = message[0];
  if (tag === 1) return { snapshot: message.subarray(1) };
  if (tag === 2) return { snapshot: new Uint8Array(inflateRawSync(message.subarray(1))) };
  if (tag === 5) {
    let length = 0;
    let at = 1;
    for (let group = 0; ; group++) {
      if (group === 3) throw new WireError('chain length over 3 bytes');
      const byte = message[at++];
      if (byte === undefined) throw new WireError('chain length cut short');
      length += (byte & 0x7f) * 2 ** (7 * group);
      if ((byte & 0x80) === 0) break;
    }
    return { resent: message.subarray(at, at + length), snapshot: message.subarray(at + length) };
  }
  return undefined;
}

/** An ack-only phys message: tag 3, then the ack. */
export const ackMessage = (ack: Uint8Array) => Uint8Array.of(3, ...ack);
