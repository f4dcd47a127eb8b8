import { codesScratch } from './codes-scratch.js';
import type { Field, FieldCode } from './field.js';
import { FULL_TURN } from './fields/angle.js';
import type { ScalarGrid } from './fields/codes.js';
import { compileFunction, numberLiteral } from './generated-code.js';
import type { EntityCodes } from './state-codes.js';

/** A type's quantizing functions, as `StateQuantizer` calls them once the state is known to be an object. */
export interface QuantizerFunctions {
  codes(values: Record<string, unknown>): FieldCode[];
  changedCodes(values: Record<string, unknown>, current: EntityCodes): FieldCode[] | undefined;
  /** Types whose fields are all inline only (see `StateQuantizer.stash`). */
  stash: ((values: Record<string, unknown>, numbers: Float64Array) => boolean) | undefined;
  /** Types whose fields are all inline only (see `StateQuantizer.codesFromStash`). */
  codesFromStash: ((numbers: Float64Array, current: EntityCodes) => FieldCode[] | undefined) | undefined;
}

/**
 * A type's `codes` and `changedCodes` as one function each, generated with `new Function`: every field
 * read with a literal property name (`state["x"]`), the float, int and angle fields quantized inline
 * with their grid's constants, the codes compared and returned as a new array. The shared loop reads
 * `values[names[index]]` at one site with a different name each time, which V8 handles as a megamorphic
 * keyed load; here every read is a monomorphic named load and every field's constants are literals.
 *
 * It computes what the loop in state-quantizer.ts computes, in the same order (reads, field calls and
 * errors). Only three kinds of text reach the source: our own fixed text and indices, field names as
 * `JSON.stringify` writes them (a string literal whatever the name holds, so no name can become code),
 * and numbers `numberLiteral` writes from finite numbers (digits, `.`, `e`, `+`, `-`). A field with no
 * inline code is called through the `fields` argument, never written into the source.
 *
 * Returns undefined when code generation is refused (a strict CSP, generated-code.ts), or for a type
 * whose field names are not all strings (only a hand-made type object could have that): the caller then
 * uses its loop.
 */
export function generateQuantizer(
  /** Per field, its path in the state object (one name, or a group's names and then the field's). */
  paths: readonly (readonly string[])[],
  fields: readonly Field[],
  /** Per field, its grid when it is quantized inline (checked: numbers all finite), else undefined. */
  grids: readonly (ScalarGrid | undefined)[],
  /** Throws the error for a group (by its dotted path) whose place in a state holds no object. */
  missing: (groupPath: string, value: unknown) => never,
): QuantizerFunctions | undefined {
  if (!paths.every((path) => path.every((name) => typeof name === 'string'))) return undefined;
  const make = compileFunction(['fields', 'missing', 'out'], quantizerSource(paths, grids));
  return make === undefined
    ? undefined
    : (make(fields, missing, codesScratch(paths.length)) as QuantizerFunctions);
}

function quantizerSource(
  paths: readonly (readonly string[])[],
  grids: readonly (ScalarGrid | undefined)[],
): string {
  const count = paths.length;
  const lines = ["'use strict';"];
  for (let index = 0; index < count; index++) lines.push(`const f${index} = fields[${index}];`);
  // The codes go out as a copy of `out` (codesScratch, of one kind for every type), not as an array literal:
  // a literal is an allocation site, which V8 may decide to pretenure (allocate straight in the old
  // generation) when its arrays outlive a few scavenges, as they do while the heap is small at start. A
  // moving entity's codes then live as long as a frame is kept (64 snapshots) in the old generation: on the
  // W2 arena that grew it by about 25 KB a snapshot tick, with twice the page faults. `slice` always
  // allocates young, nearly as fast.
  const copyOut = paths.map((_, index) => `out[${index}] = c${index};`).join(' ');

  lines.push('function codes(state) {');
  const codesReads = new ValueReads(paths);
  paths.forEach((_, index) => {
    lines.push(...quantizeLines(codesReads.read(index), index, grids[index]));
  });
  lines.push(copyOut, 'return out.slice();', '}');

  lines.push('function changedCodes(state, current) {', 'let changed = false;');
  const changedReads = new ValueReads(paths);
  paths.forEach((_, index) => {
    const grid = grids[index];
    lines.push(...quantizeLines(changedReads.read(index), index, grid));
    // Scalar codes are numbers, equal exactly when ===; other fields compare as they define, and only
    // until a change is found (as the loop does).
    lines.push(
      grid !== undefined
        ? `if (c${index} !== current[${index}]) changed = true;`
        : `if (!changed && !f${index}.equals(current[${index}], c${index})) changed = true;`,
    );
  });
  lines.push('if (!changed) return undefined;', copyOut, 'return out.slice();', '}');

  if (!grids.every((grid) => grid !== undefined)) {
    lines.push('return { codes, changedCodes, stash: undefined, codesFromStash: undefined };');
    return lines.join('\n');
  }
  const inline = grids as readonly ScalarGrid[];
  // Every value read and checked before any is stored: a refused state leaves the stash as it was.
  lines.push('function stash(state, numbers) {');
  const stashReads = new ValueReads(paths);
  paths.forEach((_, index) => {
    const grid = inline[index] as ScalarGrid;
    lines.push(...stashReads.read(index), `if (!(${inlineCode(index, grid).test})) return false;`);
  });
  paths.forEach((_, index) => {
    lines.push(`numbers[${index}] = v${index};`);
  });
  lines.push('return true;', '}');

  lines.push('function codesFromStash(numbers, current) {', 'let changed = false;');
  paths.forEach((_, index) => {
    lines.push(
      `const v${index} = numbers[${index}];`,
      `let c${index};`,
      ...inlineCode(index, inline[index] as ScalarGrid).lines,
      `if (c${index} !== current[${index}]) changed = true;`,
    );
  });
  lines.push('if (!changed) return undefined;', copyOut, 'return out.slice();', '}');

  lines.push('return { codes, changedCodes, stash, codesFromStash };');
  return lines.join('\n');
}

/**
 * The statements that read each field's value into `v<index>`, for one generated function. A group's object
 * is read once, at its first field (a group's fields come together, depth first), and checked there as
 * the loop checks it at each of its fields: the first one throws, so both stop at the same place with the
 * same error (`missing`). Names reach the source as `JSON.stringify` writes them.
 */
class ValueReads {
  readonly #paths: readonly (readonly string[])[];
  /** The groups read so far in this function: dotted path → its local. */
  readonly #groups = new Map<string, string>();

  constructor(paths: readonly (readonly string[])[]) {
    this.#paths = paths;
  }

  read(index: number): string[] {
    const path = this.#paths[index] as readonly string[];
    const lines: string[] = [];
    let holder = 'state';
    for (let depth = 0; depth < path.length - 1; depth++) {
      const groupPath = path.slice(0, depth + 1).join('.');
      let local = this.#groups.get(groupPath);
      if (local === undefined) {
        local = `g${this.#groups.size}`;
        this.#groups.set(groupPath, local);
        lines.push(
          `const ${local} = ${holder}[${JSON.stringify(path[depth])}];`,
          `if (typeof ${local} !== 'object' || ${local} === null) missing(${JSON.stringify(groupPath)}, ${local});`,
        );
      }
      holder = local;
    }
    lines.push(`const v${index} = ${holder}[${JSON.stringify(path[path.length - 1])}];`);
    return lines;
  }
}

/**
 * Reads `v<index>` (`reads`), then declares `c<index>`, the field's code: inline for a grid, else (and for a
 * value with no code) its `quantize`.
 */
function quantizeLines(reads: string[], index: number, grid: ScalarGrid | undefined): string[] {
  const call = `c${index} = f${index}.quantize(v${index});`;
  if (grid === undefined) return [...reads, `let c${index};`, call];
  const { test, lines } = inlineCode(index, grid);
  return [...reads, `let c${index};`, `if (${test}) {`, ...lines, `} else {`, call, '}'];
}

/**
 * For a field on a grid: the test that value `v<index>` has an inline code (else its field's `quantize`
 * decides), and the statements that set `c<index>` to it.
 */
function inlineCode(index: number, grid: ScalarGrid): { test: string; lines: string[] } {
  const value = `v${index}`;
  const code = `c${index}`;
  const maxCode = numberLiteral(grid.maxCode);
  if (grid.rounding === 'offset') {
    return {
      test: `typeof ${value} === 'number' && ${value} === ${value}`,
      lines: [
        `${code} = Math.min(${maxCode}, Math.max(0, Math.round((${value} - ${numberLiteral(grid.min)}) / ${numberLiteral(grid.step)})));`,
      ],
    };
  }
  if (grid.rounding === 'whole') {
    return {
      test: `typeof ${value} === 'number' && ${value} === ${value}`,
      lines: [
        `${code} = Math.min(${maxCode}, Math.max(0, Math.round(${value}) - ${numberLiteral(grid.min)}));`,
      ],
    };
  }
  // Finite only (Infinity − Infinity and NaN − NaN are NaN). The step count mod 2^bits; + 0 turns -0 into 0.
  // Each % is skipped where it cannot change its operand, as AngleField.quantize does (a double's % is
  // the x87 remainder loop, several times what the rest of the line costs).
  const turn = numberLiteral(grid.maxCode + 1);
  const full = numberLiteral(FULL_TURN);
  return {
    test: `typeof ${value} === 'number' && ${value} - ${value} === 0`,
    lines: [
      `const r${index} = Math.round((${value} < ${full} && ${value} > -${full} ? ${value} : ${value} % ${full}) / ${numberLiteral(grid.step)});`,
      `const s${index} = r${index} < ${turn} && r${index} > -${turn} ? r${index} : r${index} % ${turn};`,
      `${code} = (s${index} < 0 ? s${index} + ${turn} : s${index}) + 0;`,
    ],
  };
}
