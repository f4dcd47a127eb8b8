import type { EntityCodes, FieldCode } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../../../src/protocol/index.js';
import { hashCodes } from '../../../../src/sync/snapshot/codes-hash.js';
import { TypeCoder } from '../../../../src/sync/snapshot/type-coder.js';
import { seededRandom } from '../../../../src/transport/simulated/seeded-random.js';
import { Mixed, MixedNumbers, maskOf, mixedState } from './mixed-states.js';

const random = seededRandom(11);
const MODES = ['plain', 'baseline', 'predicted'] as const;

// The reader is generated code where allowed, the loop under a strict Content-Security-Policy: both
// must read what the writer wrote, and fail alike on what it did not. A type whose codes are all numbers
// has a generated reader that also hashes them as it reads (the other types' codes are hashed after).
const TYPES = [Mixed, MixedNumbers] as const;

/** How a delta is read: its baseline, mask and mode, and the prediction's ticks. */
interface Delta {
  baseline: EntityCodes;
  mask: number;
  relative: boolean;
  older: EntityCodes | undefined;
  ahead: number;
  span: number;
}

/**
 * What a coder reads from `bytes` into an array holding stale codes (as a pooled one does: every field must
 * be written, the unmasked ones from the baseline), or into an empty one (as a new one is): the codes and
 * where it stopped, or the error.
 */
let reads = 0;
function readWith(
  coder: TypeCoder,
  bytes: Uint8Array,
  delta: Delta,
): { codes: EntityCodes; hash: number; at: number } | { error: string } {
  const reader = new BitReader(bytes);
  const { baseline, mask, relative, older, ahead, span } = delta;
  // Both forms of a round (generated, then loop) read into the same kind of array; the next round, the other.
  const intoEmpty = Math.floor(reads++ / 2) % 2 === 0;
  const codes = (intoEmpty ? [] : baseline.map(() => -1)) as FieldCode[];
  try {
    const hash = coder.readChanges(reader, codes, baseline, mask, relative, older, ahead, span);
    return { codes: [...codes], hash, at: reader.bitPosition };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** A delta as the encoder writes it: plain, against the baseline, or against the prediction from `older`. */
function written(
  loop: TypeCoder,
  now: EntityCodes,
  mask: number,
  baseline: EntityCodes,
  mode: 'plain' | 'baseline' | 'predicted',
  older: EntityCodes,
  ahead: number,
  span: number,
): { bytes: Uint8Array; bits: number } {
  const writer = new BitWriter();
  if (mode === 'predicted') loop.writeMotion(writer, now, mask, baseline, older, ahead, span);
  else loop.writeFields(writer, now, mask, mode === 'plain' ? undefined : baseline);
  const bits = writer.bitLength;
  return { bytes: writer.finish(), bits };
}

describe.each(TYPES)('TypeCoder readChanges of $name, generated and loop', (type) => {
  const generated = new TypeCoder(type, { generate: true });
  const loop = new TypeCoder(type, { generate: false });
  const state = (near?: EntityCodes) => mixedState(random, near, type);

  it('runs generated code here', () => {
    expect([generated.generated, loop.generated]).toEqual([true, false]);
    // Only the generated reader of a type of number codes hashes as it reads: the path the tests below
    // hold to `hashCodes` is that one for `MixedNumbers`.
    expect([generated.hashesWhileReading, loop.hashesWhileReading]).toEqual([type === MixedNumbers, false]);
  });

  it('reads back every delta the writer wrote, in all three modes, to the same bit', () => {
    for (let round = 0; round < 3_000; round++) {
      const older = state();
      const baseline = state(older);
      const now = state(baseline);
      const mask = maskOf(baseline, now, type);
      const ahead = 1 + Math.floor(random() * 6);
      const span = 1 + Math.floor(random() * 6);
      const mode = MODES[round % 3] as (typeof MODES)[number];
      const { bytes, bits } = written(loop, now, mask, baseline, mode, older, ahead, span);
      const delta = {
        baseline,
        mask,
        relative: mode !== 'plain',
        older: mode === 'predicted' ? older : undefined,
        ahead,
        span,
      };
      // The hash is the one the decoder's checksum takes of the codes.
      const expected = { codes: now, hash: hashCodes(now), at: bits };
      expect(readWith(generated, bytes, delta)).toEqual(expected);
      expect(readWith(loop, bytes, delta)).toEqual(expected);
    }
  });

  it('fails alike on random, cut short and mutated bytes: the same error, or the same codes and position', () => {
    let errors = 0;
    for (let round = 0; round < 5_000; round++) {
      const older = state();
      const baseline = state(older);
      const mask = Math.floor(random() * 2 ** type.fields.length);
      const ahead = 1 + Math.floor(random() * 6);
      const span = 1 + Math.floor(random() * 6);
      const relative = random() < 0.8;
      const against = relative && random() < 0.5 ? older : undefined;
      let bytes: Uint8Array;
      if (round % 3 === 0) {
        bytes = Uint8Array.from({ length: Math.floor(random() * 24) }, () => Math.floor(random() * 256));
      } else {
        const now = state(baseline);
        const full = written(
          loop,
          now,
          maskOf(baseline, now, type),
          baseline,
          'predicted',
          older,
          ahead,
          span,
        ).bytes;
        bytes = round % 3 === 1 ? full.slice(0, Math.floor(random() * full.length)) : full.slice();
        if (round % 3 === 2 && bytes.length > 0) {
          const at = Math.floor(random() * bytes.length);
          bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
        }
      }
      const delta = { baseline, mask, relative, older: against, ahead, span };
      const fromGenerated = readWith(generated, bytes, delta);
      expect(fromGenerated).toEqual(readWith(loop, bytes, delta));
      if ('error' in fromGenerated) errors++;
    }
    // Both kinds of outcome were met, many times each.
    expect(errors).toBeGreaterThan(500);
    expect(errors).toBeLessThan(4_500);
  });
});
