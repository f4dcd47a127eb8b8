import { compileFunction, numberLiteral } from './generated-code.js';
import type { EntityCodes } from './state-codes.js';

/**
 * `CodesCheck.changedCopy` for one type once `codes` is known to be an array of the type's length: a copy
 * of `codes` when some field differs from `current`, undefined when none does; a code that differs is
 * checked first, and a bad one goes to `require`, which throws.
 */
export type ChangedCopy = (codes: EntityCodes, current: EntityCodes, id: number) => EntityCodes | undefined;

/**
 * Passes a code field `index` writes and throws the RangeError that refuses it for entity `id` otherwise
 * (see `CodesCheck`).
 */
export type RequireCode = (index: number, code: unknown, id: number) => void;

/**
 * `changedCopy` generated for one type (`new Function`): one block per field, each reading its code at a
 * literal index, the float, int and angle fields checked inline against their largest code (a literal),
 * as the quantizer's generated code quantizes them (quantizer-source.ts), the others by their `isCode`.
 * The loop in codes-check.ts computes the same. Only our own text, indices and `numberLiteral`s of finite
 * numbers go into the source (no name at all); fields are called through the arguments. Undefined where
 * generated code is refused (generated-code.ts).
 */
export function generateChangedCopy(
  fields: readonly unknown[],
  /** Per field, its largest code when it is checked inline, else undefined. */
  maxCodes: readonly (number | undefined)[],
  /** Per field checked otherwise: whether it has an `isCode` to ask before `require` is called. */
  asks: readonly boolean[],
  require: RequireCode,
): ChangedCopy | undefined {
  const lines = ["'use strict';"];
  fields.forEach((_, index) => {
    if (maxCodes[index] === undefined) lines.push(`const f${index} = fields[${index}];`);
  });
  // Copied out through `out.slice()`, not an array literal, for the reason quantizer-source.ts gives.
  lines.push(
    `const out = new Array(${maxCodes.length}).fill(0);`,
    'return function changedCopy(codes, current, id) {',
    'let changed = false;',
  );
  maxCodes.forEach((maxCode, index) => {
    const code = `c${index}`;
    lines.push(`const ${code} = codes[${index}];`, `if (${code} !== current[${index}]) {`);
    if (maxCode === undefined) {
      lines.push(
        asks[index]
          ? `if (f${index}.isCode(${code}) !== true) require(${index}, ${code}, id);`
          : `require(${index}, ${code}, id);`,
        `if (!changed && !f${index}.equals(current[${index}], ${code})) changed = true;`,
      );
    } else {
      // `x >>> 0 === x` holds exactly for the integers in 0..2^32 − 1 (NaN and fractions fail it).
      lines.push(
        `if (!(typeof ${code} === 'number' && ${code} >>> 0 === ${code} && ${code} <= ${numberLiteral(maxCode)})) require(${index}, ${code}, id);`,
        'changed = true;',
      );
    }
    lines.push('}');
  });
  // Vector and quaternion codes are arrays: copied too, so a caller that reuses its own cannot change ours.
  const copies = maxCodes.map((maxCode, index) =>
    maxCode === undefined
      ? `out[${index}] = Array.isArray(c${index}) ? c${index}.slice() : c${index};`
      : `out[${index}] = c${index};`,
  );
  lines.push('if (!changed) return undefined;', ...copies, 'return out.slice();', '};');
  const make = compileFunction(['fields', 'require'], lines.join('\n'));
  return make === undefined ? undefined : (make(fields, require) as ChangedCopy);
}
