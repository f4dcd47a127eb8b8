/**
 * The CCU benchmark's game, the same for every server under test: rooms of 16 players, one car each,
 * a 20 Hz server tick (apply inputs, move cars, send state) and 30 Hz inputs from every player.
 */

export const PLAYERS_PER_ROOM = 16;
export const TICK_HZ = 20;
export const TICK_MS = 1_000 / TICK_HZ;
export const INPUT_HZ = 30;
/** Cars bounce off the walls of a square arena this far from the centre (m). */
export const ARENA_HALF = 500;

/** A player's newest input: throttle and steer in -127..127 (one signed byte each on the wire). */
export interface CarInput {
  seq: number;
  throttle: number;
  steer: number;
}

/** One car: position (m), heading (rad), velocity (m/s). The fields every server syncs. */
export interface Car {
  x: number;
  y: number;
  angle: number;
  vx: number;
  vy: number;
}

const TOP_SPEED = 30; // m/s at full throttle
const TURN_RATE = 2; // rad/s at full lock
const GRIP = 0.2; // share of the gap to the target speed closed per tick

/** Where car `index` of a room starts: spread on a circle, facing along it. */
export function startCar(index: number): Car {
  const angle = (index / PLAYERS_PER_ROOM) * 2 * Math.PI;
  return {
    x: Math.cos(angle) * 100,
    y: Math.sin(angle) * 100,
    angle: wrapAngle(angle + Math.PI / 2),
    vx: 0,
    vy: 0,
  };
}

/**
 * One server tick of a car driven by its player's newest input: simple, deterministic (no randomness),
 * smooth, and it keeps every field changing while the player steers, as a real game's cars do.
 */
export function stepCar(car: Car, input: CarInput | undefined, dtSeconds = 1 / TICK_HZ): void {
  const throttle = (input?.throttle ?? 0) / 127;
  const steer = (input?.steer ?? 0) / 127;
  const speed = Math.hypot(car.vx, car.vy);
  const nextSpeed = speed + (throttle * TOP_SPEED - speed) * GRIP;
  let angle = wrapAngle(car.angle + steer * TURN_RATE * dtSeconds);
  let x = car.x + Math.cos(angle) * nextSpeed * dtSeconds;
  let y = car.y + Math.sin(angle) * nextSpeed * dtSeconds;
  if (Math.abs(x) > ARENA_HALF) {
    x = Math.sign(x) * ARENA_HALF;
    angle = wrapAngle(Math.PI - angle);
  }
  if (Math.abs(y) > ARENA_HALF) {
    y = Math.sign(y) * ARENA_HALF;
    angle = wrapAngle(-angle);
  }
  car.x = x;
  car.y = y;
  car.angle = angle;
  car.vx = Math.cos(angle) * nextSpeed;
  car.vy = Math.sin(angle) * nextSpeed;
}

/** Into [-π, π). */
export function wrapAngle(angle: number): number {
  const turns = Math.floor((angle + Math.PI) / (2 * Math.PI));
  return angle - turns * 2 * Math.PI;
}

/**
 * What bot `player` sends at time `ms`: throttle and steer sweep slowly (periods of about 20 and 9 s),
 * each bot at its own phase, so cars keep turning and changing speed.
 */
export function botInput(player: number, seq: number, ms: number): CarInput {
  const phase = player * 0.7;
  return {
    seq: seq & 0xffff,
    throttle: Math.round(127 * (0.6 + 0.4 * Math.sin(ms * 0.0003 + phase))),
    steer: Math.round(127 * Math.sin(ms * 0.0007 + phase)),
  };
}

/** Inputs as 4 bytes (seq u16, throttle i8, steer i8), for the binary paths. */
export function encodeInput(input: CarInput): Uint8Array {
  // Byte by byte (big-endian seq, two's-complement bytes): a DataView per input was most of its cost.
  const bytes = new Uint8Array(4);
  bytes[0] = (input.seq >>> 8) & 0xff;
  bytes[1] = input.seq & 0xff;
  bytes[2] = input.throttle & 0xff;
  bytes[3] = input.steer & 0xff;
  return bytes;
}

export function decodeInput(bytes: Uint8Array): CarInput | undefined {
  if (bytes.length < 4) return undefined;
  // Byte by byte, as encodeInput: a DataView per input cost more than the rest of the room's handler.
  return {
    seq: ((bytes[0] as number) << 8) | (bytes[1] as number),
    throttle: ((bytes[2] as number) << 24) >> 24,
    steer: ((bytes[3] as number) << 24) >> 24,
  };
}
