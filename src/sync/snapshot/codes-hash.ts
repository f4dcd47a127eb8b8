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
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) {
    h = Math.imul(h ^ ((word >>> shift) & 0xff), PRIME);
  }
  return h >>> 0;
}

export function hashCodes(codes: EntityCodes): number {
  let hash = mix(OFFSET, codes.length);
  for (const code of codes as readonly FieldCode[]) {
    if (typeof code === 'number') {
      hash = mix(hash, code);
    } else if (typeof code === 'string') {
      hash = mix(hash, code.length);
      for (let index = 0; index < code.length; index++) hash = mix(hash, code.charCodeAt(index));
    } else {
      hash = mix(hash, code.length);
      for (const part of code) hash = mix(hash, part);
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
