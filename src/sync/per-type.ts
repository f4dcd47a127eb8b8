import type { AnyEntityType } from './entity.js';

/**
 * A lookup that builds its value for an entity type on first use and keeps it as long as the type lives
 * (types are frozen: what a value is built from never changes). For the per-type coders and quantizers.
 */
export function perType<Value>(build: (type: AnyEntityType) => Value): (type: AnyEntityType) => Value {
  const built = new WeakMap<AnyEntityType, Value>();
  return (type) => {
    let value = built.get(type);
    if (value === undefined) {
      value = build(type);
      built.set(type, value);
    }
    return value;
  };
}
