import { BitWriter } from '../protocol/index.js';
import { type ChangedCopy, generateChangedCopy } from './codes-check-source.js';
import type { AnyEntityType } from './entity.js';
import type { Field, FieldCode } from './field.js';
import { perType } from './per-type.js';
import { type EntityCodes, requireCodesOf } from './state-codes.js';
import { inlineGridOf } from './state-quantizer.js';

/**
 * Where a field's `write` tries a code: every field checks a code whole before writing its first bit
 * (a RangeError for one it could not have produced), which is the check this module wants for the fields
 * it does not check inline. Emptied before each try; nothing re-enters it.
 */
const scratch = new BitWriter();

export interface CodesCheckOptions {
  /**
   * false: always the loop, never generated code (for tests: the path a strict Content-Security-Policy
   * leaves). Default true: generated where the environment allows it.
   */
  readonly generate?: boolean;
}

/**
 * Codes handed in whole (`EntityTable.updateCodes`) checked against their type before anything keeps
 * them. A code no field's `quantize` gives (out of the field's range, fractional, NaN, a vector of the
 * wrong length, a quaternion that is not canonical, text too long) would otherwise reach every frame and
 * make every member's snapshot fail to write until the entity changed again.
 *
 * Only codes that differ (`!==`) from the entity's current ones are checked, as only they can be new: a
 * float, int or angle code inline against its largest code (a per-type function generated like the
 * quantizer's, codes-check-source.ts, or the loop below where a Content-Security-Policy forbids it), any
 * other by its field's `isCode` (the fields of this package have one: `write`'s test without the
 * writing). A code refused, or of a field with no `isCode`, goes through the field's `write` on a scratch
 * writer, the field's own definition of its codes, whose RangeError is the refusal (with the entity's id
 * in front); a code it takes passes.
 */
export class CodesCheck {
  readonly type: AnyEntityType;
  /** Whether the check is generated code (false: the loop). */
  readonly generated: boolean;
  readonly #fields: readonly Field[];
  /** Per field, its largest code when checked inline; -1 for one checked by its `isCode` or `write`. */
  readonly #maxCodes: Float64Array;
  /** Per field checked through `write`: its own quick `isCode`, asked first, when it has one. */
  readonly #isCodes: readonly (((code: unknown) => boolean) | undefined)[];
  readonly #generated: ChangedCopy | undefined;

  constructor(type: AnyEntityType, options: CodesCheckOptions = {}) {
    this.type = type;
    this.#fields = type.fields;
    const maxCodes = type.fields.map((field) => inlineGridOf(field)?.maxCode);
    this.#maxCodes = Float64Array.from(maxCodes, (maxCode) => maxCode ?? -1);
    this.#isCodes = type.fields.map((field) => {
      const isCode = (field as { readonly isCode?: unknown }).isCode;
      return typeof isCode === 'function' ? (code: unknown) => isCode.call(field, code) === true : undefined;
    });
    const asks = this.#isCodes.map((isCode) => isCode !== undefined);
    const require = (index: number, code: unknown, id: number) => this.#require(index, code, id);
    this.#generated =
      options.generate === false ? undefined : generateChangedCopy(this.#fields, maxCodes, asks, require);
    this.generated = this.#generated !== undefined;
  }

  /**
   * A copy of `codes` (vector and quaternion codes copied too) when some field's code differs from
   * `current` (the entity's codes, which are this type's), undefined when none does. Throws a RangeError
   * naming entity `id`, the type and the field for a code the field could not have produced, or for codes
   * of another length, before anything is copied.
   */
  changedCopy(codes: EntityCodes, current: EntityCodes, id: number): EntityCodes | undefined {
    if (!Array.isArray(codes) || codes.length !== this.#fields.length) {
      try {
        requireCodesOf(this.type, codes);
      } catch (error) {
        throw refusal(id, error);
      }
    }
    if (this.#generated !== undefined) return this.#generated(codes, current, id);
    const maxCodes = this.#maxCodes;
    let changed = false;
    for (let index = 0; index < maxCodes.length; index++) {
      const code = codes[index] as FieldCode;
      const was = current[index] as FieldCode;
      if (code === was) continue;
      const maxCode = maxCodes[index] as number;
      if (maxCode < 0) {
        if (!this.#isCodes[index]?.(code)) this.#require(index, code, id);
        if (!changed && !(this.#fields[index] as Field).equals(was, code)) changed = true;
        continue;
      }
      if (!(typeof code === 'number' && code >>> 0 === code && code <= maxCode)) {
        this.#require(index, code, id);
      }
      changed = true;
    }
    if (!changed) return undefined;
    return codes.map((code) => (Array.isArray(code) ? code.slice() : code));
  }

  /**
   * Passes a code its field writes; throws otherwise. Also reached for an inline field's code that failed
   * the inline check, which the field's `write` refuses too (in its own words); a hand-made field whose
   * `write` took it anyway is refused here all the same.
   */
  #require(index: number, code: unknown, id: number): void {
    const field = this.#fields[index] as Field;
    try {
      scratch.reset();
      field.write(scratch, code as FieldCode);
    } catch (error) {
      throw refusal(id, error);
    }
    const maxCode = this.#maxCodes[index] as number;
    if (
      maxCode >= 0 &&
      !(typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= maxCode)
    ) {
      throw new RangeError(
        `entity ${id}, ${field.path}: ${String(code)} is not a code of this field (0..${maxCode})`,
      );
    }
  }
}

/** What `error` says, as a RangeError that starts with the entity's id. */
function refusal(id: number, error: unknown): RangeError {
  const problem = error instanceof Error ? error.message : String(error);
  return new RangeError(`entity ${id}, ${problem}`, { cause: error });
}

/** The type's check, built on first use. */
export const codesCheck = perType((type) => new CodesCheck(type));
