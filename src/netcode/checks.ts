/**
 * Option checks shared by the netcode pieces: bad configuration throws at once (a TypeError naming the
 * option), so a mistake shows at construction and not as odd timing minutes later.
 */
/**
 * The messages name the value given and say "finite": Infinity, which reads as "never" to a caller
 * (`snapDistance: Infinity` for no snapping), is refused too, and "must be a positive number" alone told
 * such a caller nothing it could fix.
 */
export function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new TypeError(`${name} must be a positive finite number, got ${value}`);
  }
  return value;
}

/** A time or other reading that must be a real number (NaN or ±Infinity would poison every later result). */
export function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`${name} must be a finite number`);
  return value;
}

export function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new TypeError(`${name} must be a non-negative finite number, got ${value}`);
  }
  return value;
}

export function positiveInteger(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new TypeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

export function fraction(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0 && value < 1)) {
    throw new TypeError(`${name} must be in [0, 1), got ${value}`);
  }
  return value;
}

/**
 * A function the game supplies (a step, a lerp, ...): checked at construction, or a mistake (a name given
 * as text, a method left out of plain JavaScript) shows as "x is not a function" from deep inside a tick.
 */
export function callback<F>(name: string, value: F): F {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${typeof value}`);
  return value;
}

/** Like {@link callback}, for an optional one: undefined is left out. */
export function optionalCallback<F>(name: string, value: F | undefined): F | undefined {
  return value === undefined ? undefined : callback(name, value);
}

/** Ticks are non-negative safe integers everywhere in netcode. */
export function tickNumber(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative integer tick, got ${value}`);
  }
  return value;
}
