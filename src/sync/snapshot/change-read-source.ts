import type { BitReader } from '../../protocol/index.js';
import type { Field, FieldCode } from '../field.js';
import { RELATIVE_CLASS_BITS, type ScalarRelativeSpec } from '../fields/relative.js';
import { compileFunction, numberLiteral } from '../generated-code.js';
import type { EntityCodes } from '../state-codes.js';
import type { ChangeField } from './change-pass-source.js';
import { lengthHash, mixSource } from './codes-hash.js';
import { predictionSource, TICK_TESTS_SOURCE } from './motion-write-source.js';

/**
 * `TypeCoder.readChanges` for one type: the delta's codes written into `codes` (an array of the type's
 * length), the masked fields read, relative ones against the baseline (`relative`) or against their
 * prediction from `older`, and the others copied from the baseline. Returns the codes' `hashCodes` when
 * generated with `hashed` (every code a number), else 0.
 */
export type ChangeRead = (
  reader: BitReader,
  codes: FieldCode[],
  baseline: EntityCodes,
  mask: number,
  relative: boolean,
  older: EntityCodes | undefined,
  ahead: number,
  span: number,
) => number;

/**
 * `TypeCoder.readChanges` generated for one type (`new Function`): one block per field with its mask bit,
 * widths and largest code as literals, and for a scalar relative field the prediction (`extrapolateCode`)
 * and the codec's usual read (the class and the difference in one peek) inline. Every delta a client
 * applies goes through this; the loop called each field's codec through its `relative` property.
 *
 * The same bits and the same results as the fields' own `read` and their codecs' `predict` and `read`:
 * only a difference that fits its class, is all there and lands on a code of the field is taken inline;
 * anything else (the full class, a record cut short, a bad code) goes to the codec, which reads it or
 * throws its error, having consumed nothing before. Only our own text, indices and `numberLiteral`s go
 * into the source. Undefined where generated code is refused (generated-code.ts).
 *
 * `hashed` (for types whose codes are all numbers): it also mixes each code into a hash right after
 * writing it, to the value `hashCodes` gives the codes, and returns that. Every delta's codes go into the
 * snapshot's checksum, and hashing them here saves a second pass over the array (BENCHMARKS.md, "the
 * generated reader hashes as it reads").
 */
export function generateChangeRead(
  fields: readonly Field[],
  kinds: readonly ChangeField[],
  hashed: boolean,
): ChangeRead | undefined {
  const lines = ["'use strict';"];
  kinds.forEach((_, index) => {
    lines.push(`const f${index} = fields[${index}];`, `const r${index} = fields[${index}].relative;`);
  });
  lines.push(
    'return function readChanges(reader, codes, baseline, mask, relative, older, ahead, span) {',
    ...TICK_TESTS_SOURCE,
    `let h = ${numberLiteral(hashed ? lengthHash(kinds.length) : 0)};`,
  );
  kinds.forEach((field, index) => {
    lines.push(`if ((mask & ${numberLiteral(1 << index)}) !== 0) {`);
    if (field.kind === 'plain') {
      lines.push(`codes[${index}] = f${index}.read(reader);`);
    } else {
      lines.push(
        `if (!relative) {`,
        `codes[${index}] = f${index}.read(reader);`,
        `} else if (older === undefined) {`,
        ...relativeRead(index, field, `baseline[${index}]`),
        `} else {`,
        ...(field.kind === 'scalar'
          ? [...predictionSource(index, field.spec), ...relativeRead(index, field, `p${index}`)]
          : [
              `const p${index} = r${index}.predict(baseline[${index}], older[${index}], ahead, span);`,
              ...relativeRead(index, field, `p${index}`),
            ]),
        '}',
      );
    }
    // Unmasked: the baseline's code, so that the caller need not copy the baseline first.
    lines.push('} else {', `codes[${index}] = baseline[${index}];`, '}');
    if (hashed) lines.push(mixSource('h', `codes[${index}]`));
  });
  lines.push('return h;', '};');
  const make = compileFunction(['fields'], lines.join('\n'));
  return make === undefined ? undefined : (make(fields) as ChangeRead);
}

/** A relative field read against `reference` (an expression): inline for a scalar, else its codec. */
function relativeRead(index: number, field: ChangeField, reference: string): string[] {
  if (field.kind !== 'scalar') return [`codes[${index}] = r${index}.read(reader, ${reference});`];
  return scalarRead(index, field.spec, reference);
}

/**
 * `ScalarRelativeCodec.read`'s usual path: the class and the difference after it peeked at once; taken
 * when the class is not the full one (3), its bits are all there and the result is a code of the field,
 * so that every other case goes to the codec untouched (it peeks again, reads, or throws).
 */
function scalarRead(index: number, spec: ScalarRelativeSpec, reference: string): string[] {
  const { maxCode, wraps, widths } = spec;
  const peek = `k${index}`;
  const klass = `w${index}`;
  const code = `c${index}`;
  const lines = [
    `const ${peek} = reader.peekBits(${numberLiteral(RELATIVE_CLASS_BITS + widths[2])});`,
    `const ${klass} = ${peek} & 3;`,
    `let ${code} = -1;`,
    `let t${index} = 0;`,
  ];
  for (const width of [0, 1, 2] as const) {
    const taken = numberLiteral(RELATIVE_CLASS_BITS + widths[width]);
    lines.push(
      `${width === 0 ? 'if' : '} else if'} (${klass} === ${numberLiteral(width)} && ${taken} <= reader.bitsRemaining) {`,
      `const z${index} = (${peek} >>> ${numberLiteral(RELATIVE_CLASS_BITS)}) & ${numberLiteral(2 ** widths[width] - 1)};`,
      `${code} = ${reference} + ((z${index} >>> 1) ^ -(z${index} & 1));`,
      `t${index} = ${taken};`,
    );
  }
  lines.push('}');
  const turn = numberLiteral(maxCode + 1);
  if (wraps)
    lines.push(`if (${code} < 0 || ${code} >= ${turn}) ${code} = ((${code} % ${turn}) + ${turn}) % ${turn};`);
  lines.push(
    // Not taken (t 0), or a code off the field: the codec reads it, or throws as it always did.
    `if (t${index} !== 0 && ${code} >= 0 && ${code} <= ${numberLiteral(maxCode)}) {`,
    `reader.skipBits(t${index});`,
    `codes[${index}] = ${code};`,
    '} else {',
    `codes[${index}] = r${index}.read(reader, ${reference});`,
    '}',
  );
  return lines;
}
