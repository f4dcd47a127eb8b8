import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import {
  MAX_CODE_BITS,
  numberToQuantize,
  readCode,
  requireIntegerIn,
  requireOptions,
  type ScalarGrid,
  writeCode,
} from './codes.js';
import { MIN_RELATIVE_BITS, ScalarRelativeCodec } from './relative.js';

export interface AngleOptions {
  /** Bits per angle, 1..32: the circle is cut into 2^bits equal steps (10 bits: 0.35 degrees). */
  readonly bits: number;
}

/** Radians in a turn; state-quantizer.ts wraps angles by the same constant. */
export const FULL_TURN = 2 * Math.PI;

/**
 * An angle in radians, wrapped into [-π, π): centred on zero so that small angles of either sign (a
 * steering lock, a pitch) keep their sign and size; π itself wraps to -π. NaN and ±Infinity throw, since
 * they have no direction. Plain IEEE arithmetic only (no Math.sin), so every engine gets the same codes.
 */
export function angle(options: AngleOptions): FieldDeclaration<number, number> {
  return { kind: 'angle', compile: (path) => new AngleField(path, options) };
}

class AngleField implements Field<number, number> {
  readonly kind = 'angle';
  readonly path: string;
  readonly bits: number;
  readonly #stepCount: number;
  readonly #step: number;
  readonly relative?: ScalarRelativeCodec;
  /** What `quantize` computes, for state-quantizer.ts. */
  readonly grid: ScalarGrid;

  constructor(path: string, options: AngleOptions) {
    const given = requireOptions(options, path, 'angle');
    this.path = path;
    this.bits = requireIntegerIn(given.bits, 1, MAX_CODE_BITS, path, 'angle bits');
    this.#stepCount = 2 ** this.bits;
    this.#step = FULL_TURN / this.#stepCount;
    this.grid = Object.freeze({
      rounding: 'turn',
      min: 0,
      step: this.#step,
      maxCode: this.#stepCount - 1,
    });
    if (this.bits >= MIN_RELATIVE_BITS) {
      // The shorter way round: a turn through ±π costs what any small turn does.
      this.relative = new ScalarRelativeCodec(this.bits, this.#stepCount - 1, true, path);
    }
  }

  quantize(value: number): number {
    const radians = numberToQuantize(value, this.path);
    if (!Number.isFinite(radians)) throw new RangeError(`${this.path}: ${radians} is not an angle`);
    // Whole turns go first (% is exact on doubles): 1e300 / step would overflow to Infinity. A double's %
    // is slow (V8 runs the x87 remainder loop, tens of cycles), and an angle within a turn, as nearly all
    // are, is its own remainder: the check gives the same result without it. Likewise for the steps.
    const turns = radians < FULL_TURN && radians > -FULL_TURN ? radians : radians % FULL_TURN;
    const count = this.#stepCount;
    const rounded = Math.round(turns / this.#step);
    const steps = rounded < count && rounded > -count ? rounded : rounded % count;
    // The code is the step count mod 2^bits; + 0 turns a -0 into 0.
    return (steps < 0 ? steps + count : steps) + 0;
  }

  dequantize(code: number): number {
    const signedSteps = code >= this.#stepCount / 2 ? code - this.#stepCount : code;
    return signedSteps * this.#step;
  }

  equals(a: number, b: number): boolean {
    return a === b;
  }

  bitLength(): number {
    return this.bits;
  }

  write(writer: BitWriter, code: number): void {
    writeCode(writer, code, this.bits, this.#stepCount - 1, this.path);
  }

  read(reader: BitReader): number {
    return readCode(reader, this.bits, this.#stepCount - 1, this.path);
  }
}
