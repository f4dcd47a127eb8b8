import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { codesToState, readFullState, stateToCodes, writeFullState } from 'vehikill-net/sync';
import { readInput, VehicleEntity, type VehicleInput, type VehicleState, writeInput } from '../sim/index.js';

/*
 * What players send each other over the peer mesh. Peer data never decides anything: receivers use it
 * for drawing (samples past the newest snapshot, clamped near the server's state; muzzle flashes and
 * tracers at once while the server decides damage) and report what disagrees with the server.
 * The first byte names the message; each travels on its own channel:
 * - `phys` (newest wins): the sender's own vehicle {server tick, input, state}, about 20 a second;
 * - `dispatch` (reliable, ordered): fire notices;
 * - `event` (short-lived): effects worth showing only now.
 */
export const PeerMessageType = { sample: 1, fire: 2, effect: 3 } as const;

/** The sender's predicted vehicle after `tick` ticks on the server's timeline, and the input it drove. */
export interface PhysSample {
  readonly tick: number;
  readonly input: VehicleInput;
  readonly state: VehicleState;
}

export type FireWeapon = 'gun' | 'rocket';

/** The sender pulled a trigger at `tick`: from `origin` along the unit vector `direction`. */
export interface FireNotice {
  readonly tick: number;
  readonly weapon: FireWeapon;
  readonly origin: { readonly x: number; readonly y: number };
  readonly direction: { readonly x: number; readonly y: number };
}

export const EFFECT_KINDS = ['boost', 'drift', 'horn'] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

export interface Effect {
  readonly kind: EffectKind;
  readonly x: number;
  readonly y: number;
}

export type PeerMessage =
  | { readonly type: 'sample'; readonly sample: PhysSample }
  | { readonly type: 'fire'; readonly notice: FireNotice }
  | { readonly type: 'effect'; readonly effect: Effect };

/** Positions on notices and effects: 1/64 u in 15 bits covers the 256 u a world can span. */
const POSITION_STEPS = 64;
const POSITION_BITS = 15;
const ANGLE_BITS = 12;

export function encodePhysSample(sample: PhysSample): Uint8Array {
  const writer = new BitWriter(24);
  writer.writeBits(PeerMessageType.sample, 8);
  writer.writeVarUint(sample.tick);
  writeInput(writer, sample.input);
  writeFullState(writer, VehicleEntity, stateToCodes(VehicleEntity, sample.state));
  return writer.finish();
}

export function encodeFireNotice(notice: FireNotice): Uint8Array {
  const writer = new BitWriter(12);
  writer.writeBits(PeerMessageType.fire, 8);
  writer.writeVarUint(notice.tick);
  writer.writeBool(notice.weapon === 'rocket');
  writePosition(writer, notice.origin.x);
  writePosition(writer, notice.origin.y);
  const angle = Math.atan2(notice.direction.y, notice.direction.x);
  writer.writeBits(Math.round(((angle + Math.PI) / (2 * Math.PI)) * (1 << ANGLE_BITS)) & 0xfff, ANGLE_BITS);
  return writer.finish();
}

export function encodeEffect(effect: Effect): Uint8Array {
  const writer = new BitWriter(6);
  writer.writeBits(PeerMessageType.effect, 8);
  writer.writeBits(EFFECT_KINDS.indexOf(effect.kind), 4);
  writePosition(writer, effect.x);
  writePosition(writer, effect.y);
  return writer.finish();
}

/** Decodes a peer's message; anything malformed throws a ProtocolError BAD_FRAME ("peer message: ..."). */
export function decodePeerMessage(bytes: Uint8Array): PeerMessage {
  try {
    const reader = new BitReader(bytes);
    const type = reader.readBits(8);
    let message: PeerMessage;
    if (type === PeerMessageType.sample) {
      const tick = reader.readVarUint();
      const input = readInput(reader);
      const state = codesToState(VehicleEntity, readFullState(reader, VehicleEntity));
      message = { type: 'sample', sample: { tick, input, state } };
    } else if (type === PeerMessageType.fire) {
      const tick = reader.readVarUint();
      const weapon: FireWeapon = reader.readBool() ? 'rocket' : 'gun';
      const origin = { x: readPosition(reader), y: readPosition(reader) };
      const angle = (reader.readBits(ANGLE_BITS) / (1 << ANGLE_BITS)) * 2 * Math.PI - Math.PI;
      message = {
        type: 'fire',
        notice: { tick, weapon, origin, direction: { x: Math.cos(angle), y: Math.sin(angle) } },
      };
    } else if (type === PeerMessageType.effect) {
      const kind = EFFECT_KINDS[reader.readBits(4)];
      if (kind === undefined) throw new Error('unknown effect');
      message = { type: 'effect', effect: { kind, x: readPosition(reader), y: readPosition(reader) } };
    } else {
      throw new Error(`no peer message of type ${type}`);
    }
    if (reader.bitsRemaining >= 8) throw new Error('bytes past the end');
    return message;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ProtocolError(ErrorCode.BAD_FRAME, `peer message: ${detail}`, { cause: error });
  }
}

function writePosition(writer: BitWriter, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`a position must be finite, got ${value}`);
  const max = (1 << POSITION_BITS) - 1;
  writer.writeBits(Math.max(0, Math.min(max, Math.round(value * POSITION_STEPS))), POSITION_BITS);
}

function readPosition(reader: BitReader): number {
  return reader.readBits(POSITION_BITS) / POSITION_STEPS;
}
