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

/** Metadata and filters: flat maps of short keys to scalars, so they can be indexed and compared. */
export const scalar = v.union([v.pipe(v.string(), v.maxLength(128)), v.number(), v.boolean()]);
export const flatRecord = v.pipe(
  // An array would pass as a record with index keys: refuse it outright.
  v.custom<Record<string, unknown>>((value) => !Array.isArray(value), 'expected a map, not an array'),
  v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(32)), scalar),
  v.check((record) => Object.keys(record).length <= 16, 'at most 16 entries'),
);
