import type { InputCodec } from 'vehikill-net/netcode';
import { type BitReader, type BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { readInput, type VehicleInput, writeInput } from '../../sim/index.js';

/**
 * What the shooter saw when it pressed fire: the server tick it was drawing remote vehicles at (the
 * interpolation render time, `ticksBack` ticks before the input's own tick, plus a fraction) and its
 * interpolation delay. The server checks the hitscan against that world (lag compensation), refusing a
 * view older than its history or a delay above its cap.
 */
export interface ShotView {
  /** Whole ticks from the viewed tick up to the input's tick: 0..MAX_TICKS_BACK. */
  readonly ticksBack: number;
  /** 0 <= fraction < 1, in 1/256ths on the wire. */
  readonly fraction: number;
  /** 0..MAX_DELAY_MS, whole ms on the wire. */
  readonly interpDelayMs: number;
}

/** One tick's input as the game sends it: the controls, and with a fire, the view it was aimed in. */
export interface NetInput {
  readonly input: VehicleInput;
  readonly view?: ShotView;
}

export const MAX_TICKS_BACK = 255;
export const MAX_DELAY_MS = 1023;

/** 12 input bits, then when `fire` is set: 1 bit view present, 8 bits ticks back, 8 fraction, 10 delay. */
export const netInputCodec: InputCodec<NetInput> = {
  write(bits: BitWriter, { input, view }: NetInput): void {
    writeInput(bits, input);
    if (!input.fire) return;
    bits.writeBool(view !== undefined);
    if (view === undefined) return;
    bits.writeBits(clampInteger(view.ticksBack, MAX_TICKS_BACK), 8);
    bits.writeBits(clampInteger(view.fraction * 256, 255), 8);
    bits.writeBits(clampInteger(view.interpDelayMs, MAX_DELAY_MS), 10);
  },
  read(bits: BitReader): NetInput {
    const input = readInput(bits);
    if (!input.fire) return { input };
    if (bits.bitsRemaining < 1) throw truncated();
    if (!bits.readBool()) return { input };
    if (bits.bitsRemaining < 26) throw truncated();
    const ticksBack = bits.readBits(8);
    const fraction = bits.readBits(8) / 256;
    const interpDelayMs = bits.readBits(10);
    return { input, view: { ticksBack, fraction, interpDelayMs } };
  },
};

function clampInteger(value: number, max: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`shot view value ${value} is not finite`);
  return Math.max(0, Math.min(max, Math.floor(value)));
}

function truncated(): ProtocolError {
  return new ProtocolError(ErrorCode.BAD_FRAME, 'net input: the shot view is cut short');
}
