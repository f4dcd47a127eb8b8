import { codesScratch } from './codes-scratch.js';
import type { AnyEntityType } from './entity.js';
import type { Field, FieldCode } from './field.js';
import { FULL_TURN } from './fields/angle.js';
import type { ScalarGrid } from './fields/codes.js';
import { perType } from './per-type.js';
import { generateQuantizer, type QuantizerFunctions } from './quantizer-source.js';
import type { EntityCodes } from './state-codes.js';
import { GroupedReader, groupNotObject, type StateShape, stateShape } from './state-shape.js';

/** A field quantized through its own `quantize` (bool, enum, vectors, quaternions, strings). */
const CALL = 0;
/** A float: clamp(round((value − min) / step)). */
const OFFSET = 1;
/** An int: clamp(round(value) − min). */
const WHOLE = 2;
/** An angle: round((value % FULL_TURN) / step) mod 2^bits. */
const TURN = 3;

const KIND_OF_ROUNDING = { offset: OFFSET, whole: WHOLE, turn: TURN } as const;

export interface StateQuantizerOptions {
  /**
   * false: always the loop, never generated code (for tests: the path a strict Content-Security-Policy
   * leaves). Default true: generated where the environment allows it.
   */
  readonly generate?: boolean;
}

/**
 * The server's write path for one entity type: a state's fields quantized in one pass, the float, int and
 * angle fields inline from their grids (`ScalarGrid`) instead of a virtual call per field, their codes
 * compared with `===`. Built once per type (`stateQuantizer`). Each inline field computes exactly what its
 * `quantize` does (test/unit/sync/state-quantizer.test.ts holds both paths to it); a value with no inline
 * code (another type, NaN, a non-finite angle) goes to the field's `quantize`, which throws its own
 * TypeError or RangeError, so errors are the fields' own, word for word.
 *
 * Two paths, the same results: a function per type generated with `new Function` (quantizer-source.ts:
 * each field read by a literal name and quantized with literal constants: the W2 arena's writes cost
 * about a quarter less than with the loop, whose `values[names[index]]` is one megamorphic read site),
 * and where a page's
 * Content-Security-Policy forbids generated code (`new Function` throws an EvalError, detected once),
 * the loop over typed arrays below.
 */
export class StateQuantizer {
  readonly type: AnyEntityType;
  /** Whether this type's quantizer is generated code (false: the loop). */
  readonly generated: boolean;
  readonly #generated: QuantizerFunctions | undefined;
  readonly #fields: readonly Field[];
  readonly #names: readonly string[];
  readonly #shape: StateShape;
  readonly #kinds: Uint8Array;
  readonly #mins: Float64Array;
  readonly #steps: Float64Array;
  readonly #maxCodes: Float64Array;
  /** Codes quantized here by `changedCodes`, copied out only when something changed. */
  readonly #scratch: FieldCode[];
  /** The loop's `stash`: every number checked here before any is stored. */
  readonly #stashScratch: Float64Array;
  /**
   * Whether every field is quantized inline (floats, ints, angles): only then can a state be stashed as
   * numbers and quantized later (`stash`, `codesFromStash`).
   */
  readonly deferrable: boolean;

  constructor(type: AnyEntityType, options: StateQuantizerOptions = {}) {
    const fields = type.fields;
    const count = fields.length;
    this.type = type;
    this.#fields = fields;
    this.#names = type.fieldNames;
    this.#shape = stateShape(type);
    this.#kinds = new Uint8Array(count);
    this.#mins = new Float64Array(count);
    this.#steps = new Float64Array(count);
    this.#maxCodes = new Float64Array(count);
    this.#scratch = codesScratch(count);
    this.#stashScratch = new Float64Array(count);
    const grids = fields.map(inlineGridOf);
    this.deferrable = grids.every((grid) => grid !== undefined);
    grids.forEach((grid, index) => {
      if (grid === undefined) return;
      this.#kinds[index] = KIND_OF_ROUNDING[grid.rounding];
      this.#mins[index] = grid.min;
      this.#steps[index] = grid.step;
      this.#maxCodes[index] = grid.maxCode;
    });
    this.#generated =
      options.generate === false
        ? undefined
        : generateQuantizer(this.#shape.paths, fields, grids, (groupPath, value) => {
            throw groupNotObject(type, groupPath, value);
          });
    this.generated = this.#generated !== undefined;
  }

  /** `stateToCodes`: a new array of every field's code. */
  codes(state: unknown): FieldCode[] {
    const values = this.#values(state);
    if (this.#generated !== undefined) return this.#generated.codes(values);
    const count = this.#kinds.length;
    // A copy of the scratch array, as the generated code makes them: one kind of array for every type.
    const codes = this.#scratch;
    const reader = this.#reader(values);
    for (let index = 0; index < count; index++) codes[index] = this.#quantize(values, reader, index);
    return codes.slice();
  }

  /**
   * The state's codes when some field's code differs from `current` (codes of this type, made by this
   * table or checked by the caller), a new array; undefined when every field quantizes to its current code.
   */
  changedCodes(state: unknown, current: EntityCodes): FieldCode[] | undefined {
    const values = this.#values(state);
    if (this.#generated !== undefined) return this.#generated.changedCodes(values, current);
    const kinds = this.#kinds;
    const count = kinds.length;
    // No field code runs in between that could come back here, so the scratch array is free.
    const codes = this.#scratch;
    const reader = this.#reader(values);
    let changed = false;
    for (let index = 0; index < count; index++) {
      const code = this.#quantize(values, reader, index);
      codes[index] = code;
      if (changed) continue;
      const was = current[index] as FieldCode;
      // Scalar codes are numbers: equal exactly when ===. Other fields compare as they define.
      if (kinds[index] !== CALL ? was !== code : !(this.#fields[index] as Field).equals(was, code)) {
        changed = true;
      }
    }
    return changed ? codes.slice() : undefined;
  }

  /**
   * For a deferrable type: stores the state's field values in `numbers` (one per field, field order) and
   * returns true when every one has an inline code, so that `codesFromStash` gives exactly the codes
   * `changedCodes` would have given now. Returns false, `numbers` untouched, at the first value without
   * one (the caller quantizes the state at once instead, which throws the field's own error or uses its
   * `quantize`). Throws a TypeError for a state that is not an object, as `changedCodes` does.
   */
  stash(state: unknown, numbers: Float64Array): boolean {
    if (!this.deferrable) throw new TypeError(`${this.type.name}: has fields that cannot be stashed`);
    const values = this.#values(state);
    const stash = this.#generated?.stash;
    if (stash !== undefined) return stash(values, numbers);
    const checked = this.#stashScratch;
    const reader = this.#reader(values);
    for (let index = 0; index < checked.length; index++) {
      const value = this.#valueOf(values, reader, index);
      if (typeof value !== 'number' || this.#inline(index, value) === undefined) return false;
      checked[index] = value;
    }
    numbers.set(checked);
    return true;
  }

  /** `changedCodes` of a state stashed by `stash`. */
  codesFromStash(numbers: Float64Array, current: EntityCodes): FieldCode[] | undefined {
    const fromStash = this.#generated?.codesFromStash;
    if (fromStash !== undefined) return fromStash(numbers, current);
    const codes = this.#scratch;
    let changed = false;
    for (let index = 0; index < codes.length; index++) {
      const code = this.#inline(index, numbers[index] as number) as number;
      codes[index] = code;
      if (code !== current[index]) changed = true;
    }
    return changed ? codes.slice() : undefined;
  }

  #values(state: unknown): Record<string, unknown> {
    if (typeof state !== 'object' || state === null) {
      throw new TypeError(
        `${this.type.name}: expected a state object, got ${state === null ? 'null' : typeof state}`,
      );
    }
    return state as Record<string, unknown>;
  }

  /** For a grouped type, what reads this state's groups (each once); undefined for a flat one. */
  #reader(values: Record<string, unknown>): GroupedReader | undefined {
    return this.#shape.grouped ? new GroupedReader(this.type, this.#shape, values) : undefined;
  }

  /** The field's value in the state; a group on its path that is not an object throws `groupNotObject`. */
  #valueOf(values: Record<string, unknown>, reader: GroupedReader | undefined, index: number): unknown {
    return reader === undefined ? values[this.#names[index] as string] : reader.value(index);
  }

  #quantize(values: Record<string, unknown>, reader: GroupedReader | undefined, index: number): FieldCode {
    const value = this.#valueOf(values, reader, index);
    if (typeof value === 'number') {
      const code = this.#inline(index, value);
      if (code !== undefined) return code;
    }
    // Not inline, or no code: the field quantizes it, or throws its own error.
    return (this.#fields[index] as Field).quantize(value);
  }

  /** The field's inline code for the number, or undefined when it has none (or the field is not inline). */
  #inline(index: number, value: number): number | undefined {
    const kind = this.#kinds[index] as number;
    const maxCode = this.#maxCodes[index] as number;
    if (kind === OFFSET) {
      if (Number.isNaN(value)) return undefined;
      const step = Math.round((value - (this.#mins[index] as number)) / (this.#steps[index] as number));
      return Math.min(maxCode, Math.max(0, step));
    }
    if (kind === WHOLE) {
      if (Number.isNaN(value)) return undefined;
      return Math.min(maxCode, Math.max(0, Math.round(value) - (this.#mins[index] as number)));
    }
    // Finite only (Infinity − Infinity and NaN − NaN are NaN). Codes are the step count mod 2^bits
    // (= maxCode + 1); + 0 turns a -0 into 0.
    if (kind !== TURN || value - value !== 0) return undefined;
    const turn = maxCode + 1;
    const steps = Math.round((value % FULL_TURN) / (this.#steps[index] as number)) % turn;
    return (steps < 0 ? steps + turn : steps) + 0;
  }
}

/**
 * The field's grid when it is quantized inline: a float, int or angle field (or any field with such a
 * `grid`) whose rounding is one of the three and whose numbers are finite; anything else is quantized
 * by its own `quantize`. Both paths take the same decision from this.
 */
export function inlineGridOf(field: Field): ScalarGrid | undefined {
  const grid = (field as { readonly grid?: ScalarGrid }).grid;
  if (typeof grid !== 'object' || grid === null) return undefined;
  const { rounding, min, step, maxCode } = grid;
  if (rounding !== 'offset' && rounding !== 'whole' && rounding !== 'turn') return undefined;
  if (![min, step, maxCode].every((number) => typeof number === 'number' && Number.isFinite(number))) {
    return undefined;
  }
  return { rounding, min, step, maxCode };
}

/** The type's quantizer, built on first use. */
export const stateQuantizer = perType((type) => new StateQuantizer(type));
