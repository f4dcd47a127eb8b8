import { type BitReader, type BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';

/**
 * One tick of a player's controls.
 * - throttle: -1 (reverse), 0 or 1 (forward); other numbers round to the nearest of these.
 * - steer: -1..1 in sixteenths (positive turns toward +y); other numbers round to the nearest 1/16 and
 *   clamp, so a stick's analog value costs 6 bits and both ends agree on it.
 * - fire / altFire are carried for the rules layer, which decides cooldowns and calls `fireRocket`;
 *   the simulation itself does not read them.
 * Wire form (writeInput): 12 bits, least significant first: throttle + 1 (2 bits), steer * 16 + 16
 * (6 bits, 0..32), then brake, boost, fire, altFire (1 bit each).
 */
export interface VehicleInput {
  readonly throttle: number;
  readonly steer: number;
  readonly brake: boolean;
  readonly boost: boolean;
  readonly fire: boolean;
  readonly altFire: boolean;
}

export const STEER_STEPS = 16;
export const INPUT_BITS = 12;

/** No controls held: what a vehicle whose input is missing this tick drives with (it coasts). */
export const NEUTRAL_INPUT: VehicleInput = Object.freeze({
  throttle: 0,
  steer: 0,
  brake: false,
  boost: false,
  fire: false,
  altFire: false,
});

const THROTTLE_BITS = 2;
const STEER_BITS = 6;
const MAX_STEER_CODE = 2 * STEER_STEPS;

/** -1, 0 or 1; a non-finite throttle counts as 0 (the sim must never turn NaN into state). */
export function quantizeThrottle(throttle: number): number {
  if (!Number.isFinite(throttle)) return 0;
  return Math.max(-1, Math.min(1, Math.round(throttle))) + 0;
}

/** The nearest sixteenth in -1..1; a non-finite steer counts as 0. */
export function quantizeSteer(steer: number): number {
  if (!Number.isFinite(steer)) return 0;
  return Math.max(-STEER_STEPS, Math.min(STEER_STEPS, Math.round(steer * STEER_STEPS))) / STEER_STEPS + 0;
}

/** The input exactly as `readInput` will return it after `writeInput`, and as the sim drives with it. */
export function quantizeInput(input: VehicleInput): VehicleInput {
  return {
    throttle: quantizeThrottle(input.throttle),
    steer: quantizeSteer(input.steer),
    brake: input.brake,
    boost: input.boost,
    fire: input.fire,
    altFire: input.altFire,
  };
}

/**
 * Writes the 12-bit form. Numbers are quantized as documented on VehicleInput; a non-number or NaN
 * throttle/steer is a RangeError and a non-boolean button a TypeError (a caller's bug, not a wire fault),
 * thrown before anything is written.
 */
export function writeInput(bits: BitWriter, input: VehicleInput): void {
  if (typeof input !== 'object' || input === null)
    throw new TypeError('writeInput: expected an input object');
  for (const name of ['throttle', 'steer'] as const) {
    const value = input[name];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new RangeError(`writeInput: ${name} must be a number, got ${String(value)}`);
    }
  }
  for (const name of ['brake', 'boost', 'fire', 'altFire'] as const) {
    if (typeof input[name] !== 'boolean') {
      throw new TypeError(`writeInput: ${name} must be a boolean, got ${typeof input[name]}`);
    }
  }
  bits.writeBits(quantizeThrottle(input.throttle) + 1, THROTTLE_BITS);
  bits.writeBits(Math.round(quantizeSteer(input.steer) * STEER_STEPS) + STEER_STEPS, STEER_BITS);
  bits.writeBool(input.brake);
  bits.writeBool(input.boost);
  bits.writeBool(input.fire);
  bits.writeBool(input.altFire);
}

/** Reads what writeInput wrote. Truncated input or a code writeInput never writes throws BAD_FRAME. */
export function readInput(bits: BitReader): VehicleInput {
  if (bits.bitsRemaining < INPUT_BITS) {
    throw new ProtocolError(
      ErrorCode.BAD_FRAME,
      `input needs ${INPUT_BITS} bits, ${bits.bitsRemaining} left`,
    );
  }
  const throttleCode = bits.readBits(THROTTLE_BITS);
  if (throttleCode > 2)
    throw new ProtocolError(ErrorCode.BAD_FRAME, `input throttle code ${throttleCode} is invalid`);
  const steerCode = bits.readBits(STEER_BITS);
  if (steerCode > MAX_STEER_CODE) {
    throw new ProtocolError(ErrorCode.BAD_FRAME, `input steer code ${steerCode} is past ${MAX_STEER_CODE}`);
  }
  return {
    throttle: throttleCode - 1,
    steer: (steerCode - STEER_STEPS) / STEER_STEPS,
    brake: bits.readBool(),
    boost: bits.readBool(),
    fire: bits.readBool(),
    altFire: bits.readBool(),
  };
}
