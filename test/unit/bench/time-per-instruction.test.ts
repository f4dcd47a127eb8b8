import { describe, expect, it } from 'vitest';
import { sampledNanoseconds } from '../../../bench/workloads/perf-samples.js';
import { comparableName } from '../../../bench/workloads/symbol-names.js';

describe('perf samples by function', () => {
  it('sums each sample period by symbol, the kernel marked, lines of other shapes skipped', () => {
    const script = [
      '    100000      7f8de706c373 JS:*#encodeShared file:///a/snapshot-encoder.js:185:18 (/tmp/perf-1.map)',
      '    100000      7f8de706c452 JS:*#encodeShared file:///a/snapshot-encoder.js:185:18 (/tmp/perf-1.map)',
      '    250000  ffffffff822424d7 exc_page_fault ([kernel.kallsyms])',
      '    100000      7f8e0de21bf7 v8::internal::Heap::Scavenge (/usr/bin/node)',
      'perf: a warning line',
      '',
    ].join('\n');
    expect([...sampledNanoseconds(script)]).toEqual([
      ['JS:*#encodeShared file:///a/snapshot-encoder.js:185:18', 200000],
      ['[kernel] exc_page_fault', 250000],
      ['v8::internal::Heap::Scavenge', 100000],
    ]);
  });
});

describe('one name for what callgrind and perf both print', () => {
  it("drops a C++ function's return type, parameters, const and callgrind's cycle mark", () => {
    expect(
      comparableName(
        'heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot, v8::internal::HeapObject)',
      ),
    ).toBe('v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>');
    expect(
      comparableName(
        'v8::internal::compiler::SourcePositionTable::GetSourcePosition(v8::internal::compiler::Node*) const',
      ),
    ).toBe('v8::internal::compiler::SourcePositionTable::GetSourcePosition');
    expect(
      comparableName(
        'v8::internal::compiler::(anonymous namespace)::SourcePositionWrapper::Reduce(v8::internal::compiler::Node*)',
      ),
    ).toBe('v8::internal::compiler::(anonymous namespace)::SourcePositionWrapper::Reduce');
    expect(comparableName("Builtins_CallFunction_ReceiverIsNullOrUndefined'2")).toBe(
      'Builtins_CallFunction_ReceiverIsNullOrUndefined',
    );
  });

  it('is what perf prints already for names perf gives', () => {
    for (const name of [
      'v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>',
      'v8::internal::compiler::(anonymous namespace)::SourcePositionWrapper::Reduce',
      'Builtins_KeyedLoadIC',
      '_int_malloc',
    ]) {
      expect(comparableName(name)).toBe(name);
    }
  });

  it('names the variants of a libc family alike, memcpy with memmove', () => {
    expect(comparableName('__memmove_avx512_unaligned_erms')).toBe('__memmove (any variant)');
    expect(comparableName('__memcpy_avx_unaligned_erms')).toBe('__memmove (any variant)');
    expect(comparableName('__memset_avx2_unaligned_erms')).toBe('__memset (any variant)');
  });

  it("leaves V8's JavaScript and the kernel's names as they are", () => {
    const javascript = 'JS:*writeMotion :10:28';
    expect(comparableName(javascript)).toBe(javascript);
    expect(comparableName('JS:* file:///a/systems.js:25:32')).toBe('JS:* file:///a/systems.js:25:32');
    expect(comparableName('[kernel] exc_page_fault')).toBe('[kernel] exc_page_fault');
  });
});
