import type { Field } from '../field.js';
import { RELATIVE_CLASS_BITS, type ScalarRelativeSpec } from '../fields/relative.js';
import { compileFunction, numberLiteral } from '../generated-code.js';
import type { EntityCodes } from '../state-codes.js';

/** Where the change pass leaves its sums (the `TypeCoder` itself). */
export interface ChangeSums {
  saved: number;
  plainBits: number;
}

/** `TypeCoder.changes` for one type once the codes' lengths are checked: the mask, sums in `sums`. */
export type ChangePass = (sums: ChangeSums, before: EntityCodes, now: EntityCodes) => number;

/** How the change pass treats a field: plain, relative through its codec, or scalar relative inline. */
export type ChangeField =
  | { readonly kind: 'plain' | 'other' }
  | {
      readonly kind: 'scalar';
      readonly spec: ScalarRelativeSpec;
      /** Whole codes below this take bits − 1; -Infinity when all take `bits` (an angle). */
      readonly shortCodes: number;
    };

/**
 * `TypeCoder.changes` generated for one type (`new Function`): one block per field with its index, mask
 * bit, widths and limits as literals, instead of a loop that reads them from typed arrays per field. The
 * same arithmetic in the same order as the loop in type-coder.ts; the fields and their relative codecs
 * are called through arguments. Only our own text, indices and `numberLiteral`s of finite numbers go
 * into the source (no name at all). Undefined where generated code is refused (generated-code.ts).
 */
export function generateChangePass(
  fields: readonly Field[],
  kinds: readonly ChangeField[],
): ChangePass | undefined {
  const lines = ["'use strict';"];
  kinds.forEach((_, index) => {
    lines.push(`const f${index} = fields[${index}];`, `const r${index} = fields[${index}].relative;`);
  });
  lines.push(
    'return function changes(sums, before, now) {',
    'let mask = 0;',
    'let saved = 0;',
    'let plain = 0;',
  );
  kinds.forEach((field, index) => {
    const was = `w${index}`;
    const code = `n${index}`;
    // Bit 31 would make `1 << index` negative: past bit 30, plain arithmetic (bits are set in order).
    const setBit =
      index < 31
        ? `mask = mask | ${numberLiteral(1 << index)};`
        : `mask = mask + ${numberLiteral(2 ** index)};`;
    lines.push(
      `const ${was} = before[${index}];`,
      `const ${code} = now[${index}];`,
      `if (${was} !== ${code}) {`,
    );
    if (field.kind === 'scalar') {
      const { bits, wraps, widths, limits } = field.spec;
      const whole = numberLiteral(bits);
      const size = (width: number) => numberLiteral(RELATIVE_CLASS_BITS + width);
      lines.push(
        setBit,
        field.shortCodes === Number.NEGATIVE_INFINITY
          ? `const b${index} = ${whole};`
          : `const b${index} = ${code} < ${numberLiteral(field.shortCodes)} ? ${numberLiteral(bits - 1)} : ${whole};`,
        `plain += b${index};`,
        `let d${index} = ${code} - ${was};`,
      );
      if (wraps) {
        const shift = numberLiteral(32 - bits);
        lines.push(`d${index} = (d${index} << ${shift}) >> ${shift};`);
      }
      lines.push(
        `const z${index} = d${index} >= 0 ? d${index} * 2 : -d${index} * 2 - 1;`,
        `saved += b${index} - (z${index} < ${numberLiteral(limits[0])} ? ${size(widths[0])}` +
          ` : z${index} < ${numberLiteral(limits[1])} ? ${size(widths[1])}` +
          ` : z${index} < ${numberLiteral(limits[2])} ? ${size(widths[2])} : ${size(bits)});`,
      );
    } else {
      lines.push(`if (!f${index}.equals(${was}, ${code})) {`, setBit);
      if (field.kind === 'other') {
        lines.push(
          `const b${index} = f${index}.bitLength(${code});`,
          `plain += b${index};`,
          `saved += b${index} - r${index}.bitLength(${code}, ${was});`,
        );
      }
      lines.push('}');
    }
    lines.push('}');
  });
  lines.push('sums.saved = saved;', 'sums.plainBits = plain;', 'return mask;', '};');
  const make = compileFunction(['fields'], lines.join('\n'));
  return make === undefined ? undefined : (make(fields) as ChangePass);
}
