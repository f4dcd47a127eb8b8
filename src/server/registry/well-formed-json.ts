/** A UTF-16 surrogate without its other half: what cutting a string inside an emoji leaves. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * JSON of `value` with every lone surrogate, in keys and in strings, replaced by U+FFFD (what
 * `String.prototype.toWellFormed` does). `JSON.stringify` writes a lone surrogate as an escape that Redis's
 * cjson refuses to decode, and a room title cut inside an emoji (`name.slice(0, n)`, or a client's own
 * text) would then fail every script that reads that room, sweeps included.
 */
export function wellFormedJson(value: unknown): string {
  return JSON.stringify(wellFormed(value));
}

/** `value` with every lone surrogate, in keys and in strings, replaced by U+FFFD (a deep copy). */
export function wellFormed<T>(value: T): T;
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value === null || typeof value !== 'object') return value;
  // fromEntries defines properties (a key '__proto__' stays a key, as JSON.parse gave it).
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormed(key), wellFormed(item)]));
}
