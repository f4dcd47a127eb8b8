import { expect, describe as group, it } from 'vitest';
import {
  countsByPosition,
  describe,
  instructionCounts,
  versions,
} from '../../../bench/workloads/opt-code-lines.js';

/** Callgrind's output with `--dump-instr=yes`: compressed positions, and a call's inclusive cost line. */
const PROFILE = [
  'positions: instr line',
  'events: Ir',
  'fn=(1) 0x1000',
  '0x1000 0 5',
  '+4 0 7',
  '* 0 1',
  'cfn=(2) 0x9000',
  'calls=3 0x9000 0',
  '+3 0 900',
  '+2 0 2',
  '-9 0 4',
  'fn=(3) 0x1000',
  '0x1000 0 10',
].join('\n');

/** What `node --print-opt-code --code-comments` prints for one function, twice optimized. */
function printed(name: string, sourcePosition: number, firstAddress: number): string[] {
  const at = (offset: number) => `0x${(firstAddress + offset).toString(16)}`;
  return [
    '--- Raw source ---',
    '(a, b) {',
    '    const sum = a + b;',
    '    return sum * 2;',
    '}',
    '',
    '--- Optimized code ---',
    'optimization_id = 1',
    `source_position = ${sourcePosition}`,
    'kind = TURBOFAN',
    `name = ${name}`,
    'compiler = turbofan',
    '',
    'Instructions (size = 12)',
    `${at(0)}     0  488b59f8             REX.W movq rbx,[rcx-0x8]`,
    `${at(4)}     4  55                   push rbp`,
    `${at(7)}     7  4889e5               REX.W movq rbp,rsp   ;; debug: deopt position`,
    `${at(9)}     9  c3                   ret`,
    '',
    'Source positions:',
    ' pc offset  position',
    `         0      ${sourcePosition + 13}`,
    `         7      ${sourcePosition + 36}`,
    `         9      4`,
    '',
    '--- End code ---',
  ];
}

group('callgrind-lines (instructions by source line inside one optimized function)', () => {
  it("sums callgrind's own counts by address through relative positions, leaving out calls' costs", () => {
    const counts = instructionCounts(PROFILE);
    // 0x1000: 5 + 10 (another function's block naming it again); 0x1004: 7 + 1 (`*`); the call's line at
    // 0x1007 carries the callee's 900, not this instruction's; 0x1009: 2; 0x1000 again by `-9`: 4.
    expect(counts.get(0x1000)).toBe(19);
    expect(counts.get(0x1004)).toBe(8);
    expect(counts.get(0x1007)).toBeUndefined();
    expect(counts.get(0x1009)).toBe(2);
  });

  it('finds every optimized version of the named function only, with its code and position table', () => {
    const log = [
      ...printed('other', 50, 0x5000),
      ...printed('sum', 100, 0x1000),
      ...printed('sum', 100, 0x2000),
    ];
    const found = versions(log.join('\n'), 'sum');
    expect(found).toHaveLength(2);
    expect(found[0]?.sourceStart).toBe(100);
    expect(found[0]?.instructions.map(({ address }) => address)).toEqual([0x1000, 0x1004, 0x1007, 0x1009]);
    expect(found[1]?.instructions[0]).toEqual({ address: 0x2000, offset: 0 });
    expect(found[0]?.positions).toEqual([
      { offset: 0, position: 113 },
      { offset: 7, position: 136 },
      { offset: 9, position: 4 },
    ]);
  });

  it("charges each instruction to its code's source position and names the line, or marks code inlined", () => {
    const [version] = versions(printed('sum', 100, 0x1000).join('\n'), 'sum');
    if (version === undefined) throw new Error('no version');
    const byPosition = countsByPosition(version, instructionCounts(PROFILE));
    // Offsets 0 and 4 belong to position 113 (19 + 8), offset 7 to 136 (no count of its own), 9 to 4.
    expect([...byPosition]).toEqual([
      [113, 27],
      [136, 0],
      [4, 2],
    ]);
    expect(describe(version, 113, undefined)).toBe('function line 2: const sum = a + b;');
    expect(describe(version, 136, undefined)).toBe('function line 3: return sum * 2;');
    expect(describe(version, 4, undefined)).toBe('inlined, position 4');
    expect(describe(version, 4, 'x\nfunction inlined() {}\n')).toBe(
      'inlined, script line 2: function inlined() {}',
    );
  });
});
