import type { BitWriter } from '../../protocol/index.js';
import type { Field } from '../field.js';
import { RELATIVE_CLASS_BITS, type ScalarRelativeSpec } from '../fields/relative.js';
import { compileFunction, numberLiteral } from '../generated-code.js';
import type { EntityCodes } from '../state-codes.js';
import type { ChangeField } from './change-pass-source.js';

/** `TypeCoder.writeMotion` for one type: the masked fields written, the relative ones' bits returned. */
export type MotionWrite = (
  writer: BitWriter,
  codes: EntityCodes,
  mask: number,
  baseline: EntityCodes,
  older: EntityCodes,
  ahead: number,
  span: number,
) => number;

/**
 * `TypeCoder.writeMotion` generated for one type (`new Function`): one block per field with its mask bit,
 * grid and class constants as literals, the prediction (`extrapolateCode`) and the class choice inline.
 * A predicted body writes every moving entity through this, so it is most of a body's writing; the loop
 * read each field's constants from typed arrays and called `extrapolateCode` with them.
 *
 * The same arithmetic in the same order as `extrapolateCode` and the loop in type-coder.ts: the
 * prediction's "whole number of intervals" test depends only on `ahead` and `span`, so it is made once
 * per call instead of once per field. Plain fields, vectors and full codes (and codes that are not the
 * field's, which the codec refuses) go through the field or its relative codec, called through the
 * `fields` argument. Only our own text, indices and `numberLiteral`s of finite numbers go into the source
 * (no name at all). Undefined where generated code is refused (generated-code.ts).
 */
export function generateMotionWrite(
  fields: readonly Field[],
  kinds: readonly ChangeField[],
): MotionWrite | undefined {
  const lines = ["'use strict';"];
  kinds.forEach((_, index) => {
    lines.push(`const f${index} = fields[${index}];`, `const r${index} = fields[${index}].relative;`);
  });
  lines.push(
    'return function writeMotion(writer, codes, mask, baseline, older, ahead, span) {',
    'let total = 0;',
    ...TICK_TESTS_SOURCE,
  );
  kinds.forEach((field, index) => {
    const code = `c${index}`;
    // `mask & bit` takes the mask modulo 2^32 as the loop's `mask >>> 0` does; bit 31 is (-2147483648).
    lines.push(`if ((mask & ${numberLiteral(1 << index)}) !== 0) {`, `const ${code} = codes[${index}];`);
    if (field.kind === 'scalar') {
      lines.push(...scalarBlock(index, code, field.spec));
    } else if (field.kind === 'plain') {
      lines.push(`f${index}.write(writer, ${code});`);
    } else {
      lines.push(
        `const p${index} = r${index}.predict(baseline[${index}], older[${index}], ahead, span);`,
        `total += r${index}.bitLength(${code}, p${index});`,
        `r${index}.write(writer, ${code}, p${index});`,
      );
    }
    lines.push('}');
  });
  lines.push('return total;', '};');
  const make = compileFunction(['fields'], lines.join('\n'));
  return make === undefined ? undefined : (make(fields) as MotionWrite);
}

/** One scalar relative field: predicted, then written as a class and difference, or by its codec. */
function scalarBlock(index: number, code: string, spec: ScalarRelativeSpec): string[] {
  const { bits, maxCode, wraps, widths, limits } = spec;
  const shift = numberLiteral(32 - bits);
  const max = numberLiteral(maxCode);
  const predicted = `p${index}`;
  const zigzag = `z${index}`;
  const size = (width: number) => numberLiteral(RELATIVE_CLASS_BITS + width);
  const lines = [
    ...predictionSource(index, spec),
    `let ${zigzag} = -1;`,
    `if (Number.isInteger(${code}) && ${code} >= 0 && ${code} <= ${max}) {`,
    `let d${index} = ${code} - ${predicted};`,
    ...(wraps ? [`d${index} = (d${index} << ${shift}) >> ${shift};`] : []),
    `${zigzag} = d${index} >= 0 ? d${index} * 2 : -d${index} * 2 - 1;`,
    '}',
  ];
  // A class's value is the class number plus the zigzagged difference above it (`width + zigzag * 4`).
  for (const width of [0, 1, 2] as const) {
    const keyword = width === 0 ? 'if' : '} else if';
    lines.push(
      `${keyword} (${zigzag} >= 0 && ${zigzag} < ${numberLiteral(limits[width])}) {`,
      `writer.writeBits(${numberLiteral(width)} + ${zigzag} * 4, ${size(widths[width])});`,
      `total += ${size(widths[width])};`,
    );
  }
  lines.push(
    '} else {',
    // A full code, or one that is not the field's: the codec checks and writes it.
    `r${index}.write(writer, ${code}, ${predicted});`,
    `total += ${size(bits)};`,
    '}',
  );
  return lines;
}

/**
 * `p<index>`: field `index`'s code as `extrapolateCode` predicts it from `baseline[index]` and
 * `older[index]`, with the tests on the ticks made once per call (`steady`, `intervals`, `whole`, which
 * the generated function defines); `b<index>` holds the baseline's code. The same arithmetic in the same
 * order as `extrapolateCode`, for the writer and the reader alike.
 */
export function predictionSource(index: number, spec: ScalarRelativeSpec): string[] {
  const shift = numberLiteral(32 - spec.bits);
  const base = `b${index}`;
  const moved = `m${index}`;
  const predicted = `p${index}`;
  return [
    `const ${base} = baseline[${index}];`,
    `let ${moved} = ${base} - older[${index}];`,
    ...(spec.wraps ? [`${moved} = (${moved} << ${shift}) >> ${shift};`] : []),
    `let ${predicted} = ${base};`,
    `if (${moved} !== 0 && steady) {`,
    `${predicted} = ${base} + (whole ? ${moved} * intervals : Math.round((${moved} * ahead) / span));`,
    spec.wraps
      ? `${predicted} = (${predicted} << ${shift}) >>> ${shift};`
      : `${predicted} = Math.max(0, Math.min(${predicted}, ${numberLiteral(spec.maxCode)}));`,
    '}',
  ];
}

/** `extrapolateCode`'s tests on the ticks, made once per generated call (see `predictionSource`). */
export const TICK_TESTS_SOURCE = [
  'const steady = span > 0 && ahead > 0;',
  'const intervals = ahead / span;',
  'const whole = intervals === Math.floor(intervals);',
];
