import type { FieldCode } from '../field.js';
import type { EntityCodes } from '../state-codes.js';

/*
 * FNV-1a over 32-bit words. A snapshot carries the sum of one hash per entity it updates, so the
 * receiver can tell a delta applied to the wrong baseline (or bytes damaged in a way that still parses)
 * from the state the server meant, and ask for a resync instead of showing garbage.
 */
const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;

function mix(hash: number, word: number): number {
  // The four bytes of the word, low first, unrolled: this runs for every code of every entity sent.
  let h = Math.imul(hash ^ (word & 0xff), PRIME);
  h = Math.imul(h ^ ((word >>> 8) & 0xff), PRIME);
  h = Math.imul(h ^ ((word >>> 16) & 0xff), PRIME);
  return Math.imul(h ^ (word >>> 24), PRIME) >>> 0;
}

/** The hash after the length word, for the usual lengths: the same for every entity of a type. */
const AFTER_LENGTH = Array.from({ length: 64 }, (_, length) => mix(OFFSET, length));

export function hashCodes(codes: EntityCodes): number {
  let hash =
    codes.length < AFTER_LENGTH.length ? (AFTER_LENGTH[codes.length] as number) : mix(OFFSET, codes.length);
  for (let index = 0; index < codes.length; index++) {
    const code = codes[index] as FieldCode;
    if (typeof code === 'number') {
      hash = mix(hash, code);
    } else if (typeof code === 'string') {
      hash = mix(hash, code.length);
      for (let char = 0; char < code.length; char++) hash = mix(hash, code.charCodeAt(char));
    } else {
      hash = mix(hash, code.length);
      for (let part = 0; part < code.length; part++) hash = mix(hash, code[part] as number);
    }
  }
  return hash;
}

/** One entity's share of a snapshot checksum; shares are summed so the order of entities is free. */
export function entityShare(id: number, codesHash: number): number {
  return mix(mix(OFFSET, id), codesHash);
}

export function addShare(sum: number, share: number): number {
  return (sum + share) >>> 0;
}

/** The header's share: a damaged seq, tick or flag is caught like a damaged record. */
export function headerShare(seq: number, tick: number, complete: boolean): number {
  return mix(
    mix(mix(OFFSET ^ 0x5a, seq), tick % 2 ** 32),
    Math.floor(tick / 2 ** 32) * 2 + (complete ? 1 : 0),
  );
}
