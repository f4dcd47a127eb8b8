import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import {
  MAX_CODE_BITS,
  malformed,
  numberToQuantize,
  readBitsOf,
  readCode,
  requireIntegerIn,
  requireOptions,
} from './codes.js';

export interface Quaternion {
  x: number;
  y: number;
  z: number;
  w: number;
}

export interface QuaternionOptions {
  /** Bits per stored component, 2..32; 9-10 suit a vehicle (worst case measured: 0.5° at 9, 0.25° at 10). */
  readonly bits: number;
}

/** The index of the dropped component takes two bits: x, y, z or w. */
const INDEX_BITS = 2;
const AXES = ['x', 'y', 'z', 'w'] as const;

/**
 * Within this distance of unit length (squared) a quaternion is used as given. Decoded quaternions are
 * unit to a few ulps; renormalizing them would move their components by an ulp, which is enough to tip a
 * tie between the two largest components and break `quantize(dequantize(code)) === code`.
 */
const UNIT_TOLERANCE = 1e-9;

/**
 * A rotation as a unit quaternion, smallest-three encoded: the index of the largest component (2 bits),
 * then the other three, each in [-1/√2, 1/√2] on a grid of 2^bits - 1 points that includes 0 (bits each).
 * The input is normalized first (its length must be finite and above 0). q and -q are the same rotation
 * and encode the same: the sign is folded so the dropped component is positive. On a tie for largest the
 * lowest index (x, y, z, w order) wins. Decoding rebuilds the dropped component with Math.sqrt, which is
 * exact in every engine.
 */
export function quaternion(options: QuaternionOptions): FieldDeclaration<Quaternion, readonly number[]> {
  return { kind: 'quaternion', compile: (path) => new QuaternionField(path, options) };
}

class QuaternionField implements Field<Quaternion, readonly number[]> {
  readonly kind = 'quaternion';
  readonly path: string;
  readonly bits: number;
  readonly #componentBits: number;
  /** Grid points on each side of zero: a stored code k means (k - limit) steps. */
  readonly #limit: number;
  readonly #step: number;
  /**
   * `#isCanonical`'s decoded rotation: it runs for every code written, read or checked, so it makes no
   * array per call.
   */
  readonly #unit = new Float64Array(4);

  constructor(path: string, options: QuaternionOptions) {
    const given = requireOptions(options, path, 'quaternion');
    this.path = path;
    this.#componentBits = requireIntegerIn(given.bits, 2, MAX_CODE_BITS, path, 'quaternion bits');
    this.#limit = 2 ** (this.#componentBits - 1) - 1;
    this.#step = Math.SQRT1_2 / this.#limit;
    this.bits = INDEX_BITS + 3 * this.#componentBits;
  }

  quantize(value: Quaternion): readonly number[] {
    if (typeof value !== 'object' || value === null) {
      throw new TypeError(
        `${this.path}: expected {x, y, z, w}, got ${value === null ? 'null' : typeof value}`,
      );
    }
    const components = AXES.map((axis) => numberToQuantize(value[axis], `${this.path}.${axis}`));
    const lengthSquared = components.reduce((sum, component) => sum + component * component, 0);
    if (!(lengthSquared > 0 && Number.isFinite(lengthSquared))) {
      throw new RangeError(`${this.path}: a quaternion needs a finite length above 0 to be normalized`);
    }
    const length = Math.sqrt(lengthSquared);
    const unit =
      Math.abs(lengthSquared - 1) <= UNIT_TOLERANCE
        ? components
        : components.map((component) => component / length);
    let code = this.#encodeUnit(unit);
    // Rounding a component near the largest one up can make it outgrow the rebuilt largest, and the code
    // would decode to a rotation that encodes differently. Stepping the biggest stored component toward
    // zero shrinks it and grows the rebuilt one; one to three steps restore the order, and the loop ends
    // at the latest when all three are zero, a code that is always canonical.
    while (!this.#isCanonical(code)) code = this.#stepLargestTowardZero(code);
    return code;
  }

  dequantize(code: readonly number[]): Quaternion {
    const [x, y, z, w] = this.#decodeUnit(code);
    return { x, y, z, w };
  }

  equals(a: readonly number[], b: readonly number[]): boolean {
    return a.length === b.length && a.every((part, index) => part === b[index]);
  }

  bitLength(): number {
    return this.bits;
  }

  write(writer: BitWriter, code: readonly number[]): void {
    // Checked in full before the first bit goes out, so a refused code leaves the writer as it was.
    if (!this.isCode(code)) throw new RangeError(`${this.path}: not a code quantize() produces`);
    const [largest, ...stored] = code;
    writer.writeBits(largest as number, INDEX_BITS);
    for (const part of stored) writer.writeBits(part, this.#componentBits);
  }

  read(reader: BitReader): readonly number[] {
    const code = [readBitsOf(reader, INDEX_BITS, this.path)];
    for (let part = 0; part < 3; part++) {
      code.push(readCode(reader, this.#componentBits, 2 * this.#limit, this.path));
    }
    // A code quantize() would never produce (a stored component above the rebuilt one) is refused, so
    // every decoded rotation is already quantized.
    if (!this.#isCanonical(code))
      throw malformed(this.path, 'quaternion code is not one quantize() produces');
    return code;
  }

  /**
   * Whether `write` takes this code: four integers, the dropped component's index (0..3) and three stored
   * codes in range, that `quantize` gives (canonical). For checks before a code is kept (codes-check.ts).
   */
  isCode(code: unknown): boolean {
    if (!Array.isArray(code) || code.length !== 4) return false;
    const maxStored = 2 * this.#limit;
    for (let part = 0; part < 4; part++) {
      const value: unknown = code[part];
      if (
        !Number.isInteger(value) ||
        (value as number) < 0 ||
        (value as number) > (part === 0 ? 3 : maxStored)
      ) {
        return false;
      }
    }
    return this.#isCanonical(code);
  }

  #encodeUnit(unit: readonly number[]): readonly number[] {
    let largest = 0;
    for (let index = 1; index < 4; index++) {
      if (Math.abs(unit[index] ?? 0) > Math.abs(unit[largest] ?? 0)) largest = index;
    }
    const sign = (unit[largest] ?? 0) < 0 ? -1 : 1;
    const code = [largest];
    for (let index = 0; index < 4; index++) {
      if (index === largest) continue;
      const steps = Math.round((sign * (unit[index] ?? 0)) / this.#step);
      code.push(Math.min(this.#limit, Math.max(-this.#limit, steps)) + this.#limit);
    }
    return code;
  }

  #decodeUnit(code: readonly number[]): [number, number, number, number] {
    const [largest = 0, ...stored] = code;
    const unit: [number, number, number, number] = [0, 0, 0, 0];
    let storedSquares = 0;
    let next = 0;
    for (let index = 0; index < 4; index++) {
      if (index === largest) continue;
      const component = ((stored[next++] ?? this.#limit) - this.#limit) * this.#step;
      unit[index] = component;
      storedSquares += component * component;
    }
    unit[largest] = Math.sqrt(Math.max(0, 1 - storedSquares));
    return unit;
  }

  /**
   * Whether encoding the rotation the code decodes to gives the code back: `#encodeUnit(#decodeUnit(code))`
   * compared with it, the same arithmetic in the same order, without their arrays. For codes of four parts
   * whose first is 0..3.
   */
  #isCanonical(code: readonly number[]): boolean {
    const unit = this.#unit;
    const largest = code[0] as number;
    let storedSquares = 0;
    let next = 1;
    for (let index = 0; index < 4; index++) {
      if (index === largest) continue;
      const component = ((code[next++] as number) - this.#limit) * this.#step;
      unit[index] = component;
      storedSquares += component * component;
    }
    unit[largest] = Math.sqrt(Math.max(0, 1 - storedSquares));
    let encodedLargest = 0;
    for (let index = 1; index < 4; index++) {
      if (Math.abs(unit[index] as number) > Math.abs(unit[encodedLargest] as number)) encodedLargest = index;
    }
    if (encodedLargest !== largest) return false;
    const sign = (unit[largest] as number) < 0 ? -1 : 1;
    next = 1;
    for (let index = 0; index < 4; index++) {
      if (index === largest) continue;
      const steps = Math.round((sign * (unit[index] as number)) / this.#step);
      const stored = Math.min(this.#limit, Math.max(-this.#limit, steps)) + this.#limit;
      if (stored !== code[next++]) return false;
    }
    return true;
  }

  #stepLargestTowardZero(code: readonly number[]): readonly number[] {
    let target = 1;
    for (let index = 2; index < 4; index++) {
      if (Math.abs((code[index] ?? 0) - this.#limit) > Math.abs((code[target] ?? 0) - this.#limit))
        target = index;
    }
    const stored = code[target] ?? this.#limit;
    const stepped = [...code];
    stepped[target] = stored + Math.sign(this.#limit - stored);
    return stepped;
  }
}
