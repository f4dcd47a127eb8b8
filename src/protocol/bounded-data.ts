import * as v from 'valibot';

/** Deepest nesting accepted in free-form payloads (room options, app messages); deeper is an attack. */
export const MAX_DATA_DEPTH = 16;

function depthWithin(value: unknown, limit: number): boolean {
  // Iterative walk: a hostile payload must not be able to overflow the stack of the checker itself.
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined || top.value === null || typeof top.value !== 'object') continue;
    if (top.value instanceof Uint8Array) continue;
    if (top.depth >= limit) return false;
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children) stack.push({ value: child, depth: top.depth + 1 });
  }
  return true;
}

/** Any msgpack-decodable value, nested at most MAX_DATA_DEPTH deep. Size is bounded by maxPayload. */
export const boundedData = v.pipe(
  v.unknown(),
  v.check((value) => depthWithin(value, MAX_DATA_DEPTH), `nested deeper than ${MAX_DATA_DEPTH} levels`),
);

/** Metadata and filters: flat maps of short keys to scalars, so they can be indexed and compared. */
export const scalar = v.union([v.pipe(v.string(), v.maxLength(128)), v.number(), v.boolean()]);
export const flatRecord = v.pipe(
  // An array would pass as a record with index keys: refuse it outright.
  v.custom<Record<string, unknown>>((value) => !Array.isArray(value), 'expected a map, not an array'),
  v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(32)), scalar),
  v.check((record) => Object.keys(record).length <= 16, 'at most 16 entries'),
);
