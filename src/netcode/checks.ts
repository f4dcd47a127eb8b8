/**
 * Option checks shared by the netcode pieces: bad configuration throws at once (a TypeError naming the
 * option), so a mistake shows at construction and not as odd timing minutes later.
 */
export function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be a positive number`);
  return value;
}

/** A time or other reading that must be a real number (NaN or ±Infinity would poison every later result). */
export function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`${name} must be a finite number`);
  return value;
}

export function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new TypeError(`${name} must be a non-negative number`);
  return value;
}

export function positiveInteger(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value > 0)) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

export function fraction(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0 && value < 1)) throw new TypeError(`${name} must be in [0, 1)`);
  return value;
}

/** Ticks are non-negative safe integers everywhere in netcode. */
export function tickNumber(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative integer tick, got ${value}`);
  }
  return value;
}
