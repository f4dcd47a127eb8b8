import * as v from 'valibot';

/**
 * Deepest nesting accepted in free-form payloads (room options, app messages, room state); deeper is
 * refused at the sender and by the receiver's schema. Kept, unlike caps on counts and lengths, because
 * what reads such data walks it recursively (schemas, the app's own code, JSON), and 16 levels are far
 * more than game data needs.
 */
export const MAX_DATA_DEPTH = 16;

/**
 * True if `value` nests at most `limit` arrays or maps deep (byte arrays do not count). Recursion is
 * bounded by `limit` (it stops one level past it), so a hostile payload nested thousands deep cannot
 * overflow the checker's stack; and a shallow one (every room message) allocates nothing.
 */
export function depthWithin(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return true;
  if (limit <= 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!depthWithin(value[i], limit - 1)) return false;
    return true;
  }
  for (const child of Object.values(value)) if (!depthWithin(child, limit - 1)) return false;
  return true;
}

/** Any msgpack-decodable value, nested at most `depth` (MAX_DATA_DEPTH) deep. Size is bounded by the frame. */
export function dataNestedAtMost(depth: number) {
  return v.pipe(
    v.unknown(),
    v.check((value) => depthWithin(value, depth), `nested deeper than ${depth} levels`),
  );
}

/** Any msgpack-decodable value, nested at most MAX_DATA_DEPTH deep. Size is bounded by the frame. */
export const boundedData = dataNestedAtMost(MAX_DATA_DEPTH);

/** Limits on room metadata (and listing filters): what every listing must hold to be read by clients. */
export const METADATA_LIMITS = {
  /** Entries of one room's metadata (or of one filter). */
  entries: 16,
  /** Characters of a key (at least one). */
  keyLength: 32,
  /** Characters of a string value. */
  stringLength: 128,
} as const;

/** Metadata and filters: flat maps of short keys to scalars, so they can be indexed and compared. */
export const scalar = v.union([
  v.pipe(v.string(), v.maxLength(METADATA_LIMITS.stringLength)),
  v.number(),
  v.boolean(),
]);
export const flatRecord = v.pipe(
  // An array would pass as a record with index keys: refuse it outright.
  v.custom<Record<string, unknown>>((value) => !Array.isArray(value), 'expected a map, not an array'),
  v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(METADATA_LIMITS.keyLength)), scalar),
  v.check(
    (record) => Object.keys(record).length <= METADATA_LIMITS.entries,
    `at most ${METADATA_LIMITS.entries} entries`,
  ),
);

/**
 * Why `metadata` cannot be a room's metadata, or undefined: what the listing schema (`flatRecord`)
 * refuses, said with the limit it breaks, and two things that would break listings further on: the key
 * `__proto__` (the decoder refuses it) and numbers that are not finite (NaN no schema takes; a shared
 * registry keeps listings as JSON, where Infinity becomes null).
 */
export function metadataProblem(metadata: unknown): string | undefined {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    return 'must be a map of names to strings, numbers or booleans';
  }
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_LIMITS.entries) {
    return `has ${entries.length} entries: at most ${METADATA_LIMITS.entries}`;
  }
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > METADATA_LIMITS.keyLength) {
      return `key '${clip(key)}' is ${key.length} characters long: keys are 1 to ${METADATA_LIMITS.keyLength}`;
    }
    if (key === '__proto__') return `key '__proto__' is refused by every decoder`;
    if (typeof value === 'string') {
      if (value.length > METADATA_LIMITS.stringLength) {
        return `'${key}' is ${value.length} characters long: at most ${METADATA_LIMITS.stringLength}`;
      }
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `'${key}' is ${value}: numbers must be finite`;
    } else if (typeof value !== 'boolean') {
      return `'${key}' is ${describeType(value)}: values are strings, numbers or booleans`;
    }
  }
  return undefined;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
