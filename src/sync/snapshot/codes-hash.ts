import type { AnyEntityType } from '../entity.js';
import type { FieldCode, FieldKind } from '../field.js';
import { numberLiteral } from '../generated-code.js';
import type { EntityCodes } from '../state-codes.js';

/*
 * A multiplicative hash over 32-bit words: FNV-1a's step taken a word at a time (one multiplication per
 * word rather than one per byte), with a shift folding the high bits back down so a difference high in a
 * word cannot cancel out against one in the next word, and murmur3's finaliser per entity so every bit of
 * every word reaches every bit of its share. A snapshot carries the sum of one share per entity it
 * updates, so the receiver can tell a delta applied to the wrong baseline (or bytes damaged in a way that
 * still parses) from the state the server meant, and ask for a resync instead of showing garbage.
 */
const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;

function mix(hash: number, word: number): number {
  const h = Math.imul(hash ^ word, PRIME);
  return h ^ (h >>> 15);
}

function finish(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The hash after the length word, for the usual lengths: the same for every entity of a type. */
const AFTER_LENGTH = Array.from({ length: 64 }, (_, length) => mix(OFFSET, length));

export function hashCodes(codes: EntityCodes): number {
  let hash = lengthHash(codes.length);
  for (let index = 0; index < codes.length; index++) {
    const code = codes[index] as FieldCode;
    if (typeof code === 'number') {
      hash = mix(hash, code);
    } else if (typeof code === 'string') {
      hash = mixText(hash, code);
    } else {
      hash = mix(hash, code.length);
      // Vector and quaternion parts are numbers; a list's elements are numbers or (a list of strings) texts.
      for (let part = 0; part < code.length; part++) {
        const value = code[part] as number | string;
        hash = typeof value === 'number' ? mix(hash, value) : mixText(hash, value);
      }
    }
  }
  return hash;
}

/** The field kinds whose codes are numbers (vectors, quaternions and lists have arrays, strings texts). */
const NUMBER_CODE_KINDS: ReadonlySet<FieldKind> = new Set<FieldKind>([
  'int',
  'float',
  'angle',
  'bool',
  'enum',
]);

/** Whether every code of an entity of `type` is a number: then `hashNumberCodes` hashes its codes. */
export function hasNumberCodesOnly(type: AnyEntityType): boolean {
  return type.fields.every((field) => NUMBER_CODE_KINDS.has(field.kind));
}

/**
 * `hashCodes` for codes that are all numbers, with the same value, without the check of each code's kind.
 * Called only with the codes of such types, its loads see one kind of array each. The checksum is about a
 * fifth of a client's decode (BENCHMARKS.md, "what the checksum costs"): `TypeCoder.hashOf` hashes such
 * full states with this, and the generated reader a delta's codes as it writes them (`mixSource`).
 */
export function hashNumberCodes(codes: readonly number[]): number {
  let hash = lengthHash(codes.length);
  for (let index = 0; index < codes.length; index++) hash = mix(hash, codes[index] as number);
  return hash;
}

/** Where `hashCodes` starts for `length` codes: the offset with the length mixed in. */
export function lengthHash(length: number): number {
  return length < AFTER_LENGTH.length ? (AFTER_LENGTH[length] as number) : mix(OFFSET, length);
}

/**
 * `mix` as a statement of generated code (change-read-source.ts): the number `word` (an expression) mixed
 * into the variable `hash`. A reader that hashes the codes as it writes them saves reading them back.
 */
export function mixSource(hash: string, word: string): string {
  return `${hash} = Math.imul(${hash} ^ ${word}, ${numberLiteral(PRIME)}); ${hash} ^= ${hash} >>> 15;`;
}

/** A text's length, then its UTF-16 code units. */
function mixText(hash: number, text: string): number {
  let mixed = mix(hash, text.length);
  for (let char = 0; char < text.length; char++) mixed = mix(mixed, text.charCodeAt(char));
  return mixed;
}

/** One entity's share of a snapshot checksum; shares are summed so the order of entities is free. */
export function entityShare(id: number, codesHash: number): number {
  return finish(mix(mix(OFFSET, id), codesHash));
}

export function addShare(sum: number, share: number): number {
  return (sum + share) >>> 0;
}

/** The header's share: a damaged seq, tick or flag is caught like a damaged record. */
export function headerShare(seq: number, tick: number, complete: boolean): number {
  // A tick below 2^32 is its own low half, with no high half: no double % (the x87 remainder loop).
  const small = tick >>> 0 === tick;
  const low = small ? tick : tick % 2 ** 32;
  const high = small ? 0 : Math.floor(tick / 2 ** 32);
  return finish(mix(mix(mix(OFFSET ^ 0x5a, seq), low), high * 2 + (complete ? 1 : 0)));
}
