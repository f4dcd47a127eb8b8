import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { AnyEntityType } from '../entity.js';
import type { Field, FieldCode } from '../field.js';
import { shortCodeCount } from '../fields/codes.js';
import { extrapolateCode } from '../fields/extrapolate.js';
import {
  RELATIVE_CLASS_BITS,
  RELATIVE_FULL_CLASS,
  type RelativeCodec,
  ScalarRelativeCodec,
} from '../fields/relative.js';
import { perType } from '../per-type.js';
import { type EntityCodes, requireCodesOf } from '../state-codes.js';
import { type ChangeField, type ChangePass, generateChangePass } from './change-pass-source.js';
import { type ChangeRead, generateChangeRead } from './change-read-source.js';
import { hashCodes, hashNumberCodes, hasNumberCodesOnly } from './codes-hash.js';
import { generateMotionWrite, type MotionWrite } from './motion-write-source.js';

/** How a field is sized and written in a delta. */
const PLAIN = 0;
/** A scalar relative field: sized and written inline from its codec's spec. */
const SCALAR = 1;
/** Another relative field (vectors): through its codec. */
const OTHER = 2;

/**
 * The delta path of shared snapshot bodies for one entity type: the change pass (mask and what writing
 * relative saves), the predicted sizing and the writes, each one loop over the fields with the scalar
 * relative fields' parameters in typed arrays, instead of a virtual call (or three) per field per pass:
 * positions, headings and speeds are most of what a body carries. Built once per type (`typeCoder`);
 * each pass computes exactly what the fields' own `bitLength`, `write`, `predict` and relative codecs
 * do (test/unit/sync/snapshot/type-coder.test.ts holds them to it), so bodies are the same bytes.
 *
 * Whole codes (plain fields, and a relative field whose difference takes the full class) go through the
 * field or its codec, which check them; a relative difference written inline checks its code first and
 * leaves a bad one to the codec, which throws its RangeError.
 *
 * The change pass runs once per changed entity per body, and `writeMotion` once per moving entity per
 * predicted body, so both are also generated per type with `new Function` (change-pass-source.ts,
 * motion-write-source.ts: the loop unrolled, each field's constants as literals); where a strict
 * Content-Security-Policy refuses generated code, the loops below run, with the same results.
 */
export class TypeCoder {
  readonly type: AnyEntityType;
  /** Whether the change pass and `writeMotion` are generated code (false: the loops). */
  readonly generated: boolean;
  /** Whether `readChanges` works out the codes' hash as it reads them (generated, every code a number). */
  readonly hashesWhileReading: boolean;
  readonly #changePass: ChangePass | undefined;
  readonly #motionWrite: MotionWrite | undefined;
  readonly #changeRead: ChangeRead | undefined;
  /** Whether every code of the type is a number: then the generated reader hashes the codes it writes. */
  readonly #numberCodes: boolean;
  readonly #fields: readonly Field[];
  readonly #kinds: Uint8Array;
  /** Per field: its relative codec, for the calls that stay calls (a full code, a vector). */
  readonly #relatives: readonly (RelativeCodec<FieldCode> | undefined)[];
  // Per scalar relative field, its codec's spec (see `ScalarRelativeCodec.spec`).
  readonly #bits: Int32Array;
  readonly #maxCodes: Float64Array;
  /** 1 for a wrapping field (an angle). */
  readonly #wraps: Uint8Array;
  /** 32 - bits: a wrapping difference is sign-extended from the low `bits` bits by shifting by this. */
  readonly #wrapShifts: Int32Array;
  readonly #widths: Int32Array;
  readonly #limits: Float64Array;
  /**
   * Per scalar relative field: its whole codes below this take bits − 1 (truncated binary, as the float
   * and int fields' `bitLength`); -Infinity for an angle, whose codes all take `bits`.
   */
  readonly #shortCodes: Float64Array;
  /** After `changes`: the bits writing its masked relative fields relative to the baseline saves. */
  saved = 0;
  /** After `changes`: the bits its masked relative fields take written plain. */
  plainBits = 0;

  /** `generate: false`: always the loops (for tests: what a strict Content-Security-Policy leaves). */
  constructor(type: AnyEntityType, options: { readonly generate?: boolean } = {}) {
    const fields = type.fields;
    const count = fields.length;
    this.type = type;
    this.#fields = fields;
    this.#kinds = new Uint8Array(count);
    this.#relatives = fields.map((field) => field.relative as RelativeCodec<FieldCode> | undefined);
    this.#bits = new Int32Array(count);
    this.#maxCodes = new Float64Array(count);
    this.#wraps = new Uint8Array(count);
    this.#wrapShifts = new Int32Array(count);
    this.#widths = new Int32Array(count * 3);
    this.#limits = new Float64Array(count * 3);
    this.#shortCodes = new Float64Array(count);
    fields.forEach((field, index) => {
      const relative = field.relative;
      if (relative === undefined) return;
      if (!(relative instanceof ScalarRelativeCodec)) {
        this.#kinds[index] = OTHER;
        return;
      }
      const spec = relative.spec;
      this.#kinds[index] = SCALAR;
      this.#bits[index] = spec.bits;
      this.#maxCodes[index] = spec.maxCode;
      this.#wraps[index] = spec.wraps ? 1 : 0;
      this.#wrapShifts[index] = 32 - spec.bits;
      // Scalar relative codecs belong to float, int and angle fields only, whose codes span 0..maxCode.
      this.#shortCodes[index] = spec.wraps ? -Infinity : shortCodeCount(spec.bits, spec.maxCode);
      for (let width = 0; width < 3; width++) {
        this.#widths[index * 3 + width] = spec.widths[width] as number;
        this.#limits[index * 3 + width] = spec.limits[width] as number;
      }
    });
    const passKinds = fields.map((field, index): ChangeField => {
      const kind = this.#kinds[index];
      if (kind === PLAIN) return { kind: 'plain' };
      if (kind === OTHER) return { kind: 'other' };
      const spec = (field.relative as ScalarRelativeCodec).spec;
      return { kind: 'scalar', spec, shortCodes: this.#shortCodes[index] as number };
    });
    const generate = options.generate !== false;
    this.#changePass = generate ? generateChangePass(fields, passKinds) : undefined;
    this.#motionWrite = generate ? generateMotionWrite(fields, passKinds) : undefined;
    this.#numberCodes = hasNumberCodesOnly(type);
    this.#changeRead = generate ? generateChangeRead(fields, passKinds, this.#numberCodes) : undefined;
    this.hashesWhileReading = this.#changeRead !== undefined && this.#numberCodes;
    // All or none: code generation is refused for the whole page, once (generated-code.ts).
    this.generated =
      this.#changePass !== undefined && this.#motionWrite !== undefined && this.#changeRead !== undefined;
  }

  /**
   * `changeMask(type, before, now)`, and as it goes `plainBits`, what the masked relative fields take
   * written plain (what a predicted body's sizing subtracts its own bits from), and `saved`, what writing
   * them relative to `before` saves over that (negative when it costs more).
   */
  changes(before: EntityCodes, now: EntityCodes): number {
    const fields = this.#fields;
    const count = fields.length;
    if (before.length !== count || now.length !== count) {
      requireCodesOf(this.type, before);
      requireCodesOf(this.type, now);
    }
    if (this.#changePass !== undefined) return this.#changePass(this, before, now);
    const kinds = this.#kinds;
    let mask = 0;
    let saved = 0;
    let plain = 0;
    for (let index = 0; index < count; index++) {
      const was = before[index] as FieldCode;
      const code = now[index] as FieldCode;
      // The same code is equal to itself whatever the field: no call for the fields that did not change.
      if (was === code) continue;
      const kind = kinds[index] as number;
      if (kind === SCALAR) {
        // Float, int and angle codes are numbers, equal exactly when === (their `equals`): changed. Their
        // `bitLength` inline: truncated binary, one bit less below the short-code count.
        mask = index < 31 ? mask | (1 << index) : mask + 2 ** index;
        const whole = this.#bits[index] as number;
        const bits = (code as number) < (this.#shortCodes[index] as number) ? whole - 1 : whole;
        plain += bits;
        saved += bits - this.#scalarBits(index, code as number, was as number);
        continue;
      }
      const field = fields[index] as Field;
      if (field.equals(was, code)) continue;
      // Bit 31 would make `1 << index` negative: past bit 30, plain arithmetic (bits are set in order).
      mask = index < 31 ? mask | (1 << index) : mask + 2 ** index;
      if (kind === PLAIN) continue;
      const bits = field.bitLength(code);
      plain += bits;
      saved += bits - (this.#relatives[index] as RelativeCodec<FieldCode>).bitLength(code, was);
    }
    this.saved = saved;
    this.plainBits = plain;
    return mask;
  }

  /**
   * Bits the masked relative fields take written against the prediction (`RelativeCodec.predict` of the
   * baseline and `older`, the codes `span` ticks before it, `ahead` ticks on): `plainBits` minus this is
   * what writing them so saves. Stores each predicted reference at
   * `references[offset + field index]`, and for scalar fields what their write puts down (`packed`,
   * `packedBits`; 0 bits: a full code, left to the codec), for `writePredicted`.
   */
  predictedBits(
    codes: EntityCodes,
    mask: number,
    baseline: EntityCodes,
    older: EntityCodes,
    ahead: number,
    span: number,
    out: PredictedWrites,
    offset: number,
  ): number {
    const kinds = this.#kinds;
    const { references, packed, packedBits } = out;
    let total = 0;
    let rest = mask >>> 0;
    for (let index = 0; rest !== 0; index++, rest >>>= 1) {
      if ((rest & 1) === 0) continue;
      const kind = kinds[index] as number;
      if (kind === PLAIN) continue;
      const at = offset + index;
      if (kind === OTHER) {
        const relative = this.#relatives[index] as RelativeCodec<FieldCode>;
        const code = codes[index] as FieldCode;
        const reference = relative.predict(
          baseline[index] as FieldCode,
          older[index] as FieldCode,
          ahead,
          span,
        );
        references[at] = reference;
        packedBits[at] = 0;
        total += relative.bitLength(code, reference);
        continue;
      }
      const bits = this.#bits[index] as number;
      const wraps = this.#wraps[index] === 1;
      const reference = extrapolateCode(
        baseline[index] as number,
        older[index] as number,
        ahead,
        span,
        bits,
        this.#maxCodes[index] as number,
        wraps,
      );
      references[at] = reference;
      const zigzag = zigzagOf(codes[index] as number, reference, wraps, this.#wrapShifts[index] as number);
      const width = this.#classOf(index, zigzag);
      if (width === RELATIVE_FULL_CLASS) {
        packedBits[at] = 0;
        total += RELATIVE_CLASS_BITS + bits;
      } else {
        const size = RELATIVE_CLASS_BITS + (this.#widths[index * 3 + width] as number);
        packed[at] = width + zigzag * 4;
        packedBits[at] = size;
        total += size;
      }
    }
    return total;
  }

  /**
   * The masked fields, the mask itself not included (the caller writes it, or a repeat record reuses the
   * previous one's): relative fields against `relativeTo` when given, plain otherwise.
   */
  writeFields(
    writer: BitWriter,
    codes: EntityCodes,
    mask: number,
    relativeTo: EntityCodes | undefined,
  ): void {
    const fields = this.#fields;
    const kinds = this.#kinds;
    let rest = mask >>> 0;
    for (let index = 0; rest !== 0; index++, rest >>>= 1) {
      if ((rest & 1) === 0) continue;
      const code = codes[index] as FieldCode;
      const kind = kinds[index] as number;
      if (relativeTo === undefined || kind === PLAIN) {
        (fields[index] as Field).write(writer, code);
      } else if (kind === OTHER) {
        (this.#relatives[index] as RelativeCodec<FieldCode>).write(
          writer,
          code,
          relativeTo[index] as FieldCode,
        );
      } else {
        this.#writeScalar(writer, index, code as number, relativeTo[index] as number);
      }
    }
  }

  /**
   * The masked fields with the relative ones against the prediction (as `predictedBits` sizes them and
   * `writePredicted` writes them, in one pass): returns the bits the relative fields took.
   */
  writeMotion(
    writer: BitWriter,
    codes: EntityCodes,
    mask: number,
    baseline: EntityCodes,
    older: EntityCodes,
    ahead: number,
    span: number,
  ): number {
    const generated = this.#motionWrite;
    if (generated !== undefined) return generated(writer, codes, mask, baseline, older, ahead, span);
    const fields = this.#fields;
    const kinds = this.#kinds;
    let total = 0;
    let rest = mask >>> 0;
    for (let index = 0; rest !== 0; index++, rest >>>= 1) {
      if ((rest & 1) === 0) continue;
      const code = codes[index] as FieldCode;
      const kind = kinds[index] as number;
      if (kind === PLAIN) {
        (fields[index] as Field).write(writer, code);
        continue;
      }
      const relative = this.#relatives[index] as RelativeCodec<FieldCode>;
      if (kind === OTHER) {
        const reference = relative.predict(
          baseline[index] as FieldCode,
          older[index] as FieldCode,
          ahead,
          span,
        );
        total += relative.bitLength(code, reference);
        relative.write(writer, code, reference);
        continue;
      }
      const bits = this.#bits[index] as number;
      const wraps = this.#wraps[index] === 1;
      const maxCode = this.#maxCodes[index] as number;
      const reference = extrapolateCode(
        baseline[index] as number,
        older[index] as number,
        ahead,
        span,
        bits,
        maxCode,
        wraps,
      );
      if (this.#isCode(index, code)) {
        const zigzag = zigzagOf(code as number, reference, wraps, this.#wrapShifts[index] as number);
        const width = this.#classOf(index, zigzag);
        if (width !== RELATIVE_FULL_CLASS) {
          const size = RELATIVE_CLASS_BITS + (this.#widths[index * 3 + width] as number);
          writer.writeBits(width + zigzag * 4, size);
          total += size;
          continue;
        }
      }
      // A full code, or one that is not the field's: the codec checks and writes it.
      relative.write(writer, code, reference);
      total += RELATIVE_CLASS_BITS + bits;
    }
    return total;
  }

  /** The masked fields against the prediction `predictedBits` stored from `offset` on. */
  writePredicted(
    writer: BitWriter,
    codes: EntityCodes,
    mask: number,
    stored: PredictedWrites,
    offset: number,
  ): void {
    const fields = this.#fields;
    const kinds = this.#kinds;
    const { references, packed, packedBits } = stored;
    let rest = mask >>> 0;
    for (let index = 0; rest !== 0; index++, rest >>>= 1) {
      if ((rest & 1) === 0) continue;
      const code = codes[index] as FieldCode;
      const kind = kinds[index] as number;
      if (kind === PLAIN) {
        (fields[index] as Field).write(writer, code);
        continue;
      }
      const at = offset + index;
      const bits = packedBits[at] as number;
      if (kind === SCALAR && bits > 0 && this.#isCode(index, code)) {
        writer.writeBits(packed[at] as number, bits);
      } else {
        // A full code, a vector, or a code that is not the field's (the codec throws).
        (this.#relatives[index] as RelativeCodec<FieldCode>).write(writer, code, references[at] as FieldCode);
      }
    }
  }

  #writeScalar(writer: BitWriter, index: number, code: number, reference: number): void {
    if (this.#isCode(index, code)) {
      const zigzag = this.#zigzag(index, code, reference);
      const width = this.#classOf(index, zigzag);
      if (width !== RELATIVE_FULL_CLASS) {
        // The class, then the difference above it: one write of at most 2 + 24 bits.
        writer.writeBits(
          width + zigzag * 4,
          RELATIVE_CLASS_BITS + (this.#widths[index * 3 + width] as number),
        );
        return;
      }
    }
    // A full code, or one that is not the field's: the codec checks and writes it.
    (this.#relatives[index] as RelativeCodec<FieldCode>).write(writer, code, reference);
  }

  #isCode(index: number, code: FieldCode): boolean {
    return (
      Number.isInteger(code) && (code as number) >= 0 && (code as number) <= (this.#maxCodes[index] as number)
    );
  }

  /** `ScalarRelativeCodec.bitLength`. */
  #scalarBits(index: number, code: number, reference: number): number {
    const width = this.#classOf(index, this.#zigzag(index, code, reference));
    return (
      RELATIVE_CLASS_BITS +
      (width === RELATIVE_FULL_CLASS
        ? (this.#bits[index] as number)
        : (this.#widths[index * 3 + width] as number))
    );
  }

  /**
   * A delta's codes written into `codes` (an array of the type's length, or an empty one: written in field
   * order, it then stays packed): the masked fields read, relative ones (when `relative`) against
   * `baseline` (which this side holds, and so are the type's codes), or with `older` against their
   * prediction from it (`ahead` and `span` as for `predict`), with the same bits and errors as the fields'
   * `read` and their codecs' `read`; the other fields copied from `baseline`. Written in one pass: the
   * decoder copied the baseline first, then read over it. Returns the codes' hash (`hashCodes`), which
   * the generated reader of a type of number codes works out as it writes them.
   */
  readChanges(
    reader: BitReader,
    codes: FieldCode[],
    baseline: EntityCodes,
    mask: number,
    relative: boolean,
    older: EntityCodes | undefined,
    ahead: number,
    span: number,
  ): number {
    const generated = this.#changeRead;
    if (generated !== undefined) {
      const hash = generated(reader, codes, baseline, mask, relative, older, ahead, span);
      return this.#numberCodes ? hash : hashCodes(codes);
    }
    // Out of line, so that this stays small enough for V8 to inline into the decoder's loop.
    return this.#readChangesLoop(reader, codes, baseline, mask, relative, older, ahead, span);
  }

  /** `hashCodes` of codes of this type, by the quicker `hashNumberCodes` when they are all numbers. */
  hashOf(codes: EntityCodes): number {
    return this.#numberCodes ? hashNumberCodes(codes as readonly number[]) : hashCodes(codes);
  }

  /** `readChanges` where generated code is refused: the loop over the fields. */
  readonly #readChangesLoop: ChangeRead = (reader, codes, baseline, mask, relative, older, ahead, span) => {
    const fields = this.#fields;
    const length = fields.length;
    for (let index = 0; index < length; index++) {
      if (((mask >>> index) & 1) === 0) {
        codes[index] = baseline[index] as FieldCode;
        continue;
      }
      const field = fields[index] as Field;
      const codec = this.#relatives[index];
      if (!relative || codec === undefined) {
        codes[index] = field.read(reader);
        continue;
      }
      const base = baseline[index] as FieldCode;
      const reference =
        older === undefined ? base : codec.predict(base, older[index] as FieldCode, ahead, span);
      codes[index] = codec.read(reader, reference);
    }
    return this.hashOf(codes);
  };

  #zigzag(index: number, code: number, reference: number): number {
    return zigzagOf(code, reference, this.#wraps[index] === 1, this.#wrapShifts[index] as number);
  }

  #classOf(index: number, zigzag: number): number {
    const limits = this.#limits;
    const at = index * 3;
    if (zigzag < (limits[at] as number)) return 0;
    if (zigzag < (limits[at + 1] as number)) return 1;
    return zigzag < (limits[at + 2] as number) ? 2 : RELATIVE_FULL_CLASS;
  }
}

/** Where `predictedBits` keeps what `writePredicted` writes, indexed by an offset plus the field index. */
export interface PredictedWrites {
  readonly references: FieldCode[];
  /** Per scalar relative field: the class and the difference above it, as one value. */
  readonly packed: number[];
  /** The bits of each `packed` value; 0 where none was worked out (a full code, a vector). */
  readonly packedBits: number[];
}

/**
 * The zigzagged difference (0, −1, 1, −2... as 0, 1, 2, 3...), the shorter way round for a wrapping field
 * (sign-extended from the low `bits` bits by `wrapShift` = 32 − bits), as `ScalarRelativeCodec` takes it.
 */
function zigzagOf(code: number, reference: number, wraps: boolean, wrapShift: number): number {
  let difference = code - reference;
  if (wraps) difference = (difference << wrapShift) >> wrapShift;
  return difference >= 0 ? difference * 2 : -difference * 2 - 1;
}

/** The type's coder, built on first use. */
export const typeCoder = perType((type) => new TypeCoder(type));
