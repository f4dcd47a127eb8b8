import { decodeInputPacket, encodeInputPacket, type InputPacket } from 'vehikill-net/netcode';
import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { type NetInput, netInputCodec } from './net-input.js';

/*
 * The game's own messages between a player and the server, carried as the app bytes of the server link's
 * `phys` channel (vehikill-net/sync's SyncTag.app, or after an ack with SyncTag.ackApp). The first byte
 * names the message. All are datagrams: a lost one is replaced by the next (inputs repeat the unacked
 * ones, probes and status come again).
 */
export const GameMessageType = {
  /** Player to server: the newest unacked inputs. */
  input: 1,
  /** Player to server: a clock probe (the player's send time); server to player: the reply. */
  clock: 2,
  /** Player to server: the hash of the synced state it decoded for a tick, for desync detection. */
  hash: 3,
  /** Server to player: after each snapshot, where its inputs stand and which vehicle is its own. */
  status: 4,
} as const;

export type GameMessage =
  | { readonly type: 'input'; readonly packet: InputPacket<NetInput> }
  | { readonly type: 'clock-probe'; readonly sentAt: number }
  | {
      readonly type: 'clock-reply';
      readonly sentAt: number;
      readonly receivedAt: number;
      readonly repliedAt: number;
    }
  | { readonly type: 'hash'; readonly tick: number; readonly hash: number }
  | { readonly type: 'status'; readonly status: PlayerStatus };

/** What the server tells a player with each snapshot. */
export interface PlayerStatus {
  /** The newest tick of this player's inputs the simulation consumed (acks the input history). */
  readonly consumedTick: number | undefined;
  /** How many ticks early the player's inputs arrive (the input buffer's margin), when known. */
  readonly margin: number | undefined;
  /** The tick the server simulates next. */
  readonly serverTick: number;
  /** The player's own vehicle id, while it has one. */
  readonly vehicleId: number | undefined;
}

/** Largest margin reported; beyond it the client is far ahead anyway. */
const MAX_MARGIN = 1000;

export function encodeInputMessage(packet: InputPacket<NetInput>): Uint8Array {
  const body = encodeInputPacket(packet, netInputCodec);
  const out = new Uint8Array(1 + body.length);
  out[0] = GameMessageType.input;
  out.set(body, 1);
  return out;
}

export function encodeClockProbe(sentAt: number): Uint8Array {
  const writer = new BitWriter(9);
  writer.writeBits(GameMessageType.clock, 8);
  writeTime(writer, sentAt);
  return writer.finish();
}

export function encodeClockReply(sentAt: number, receivedAt: number, repliedAt: number): Uint8Array {
  const writer = new BitWriter(25);
  writer.writeBits(GameMessageType.clock, 8);
  writeTime(writer, sentAt);
  writeTime(writer, receivedAt);
  writeTime(writer, repliedAt);
  return writer.finish();
}

export function encodeHashReport(tick: number, hash: number): Uint8Array {
  const writer = new BitWriter(10);
  writer.writeBits(GameMessageType.hash, 8);
  writer.writeVarUint(tick);
  writer.writeBits(hash >>> 0, 32);
  return writer.finish();
}

export function encodeStatus(status: PlayerStatus): Uint8Array {
  const writer = new BitWriter(16);
  writer.writeBits(GameMessageType.status, 8);
  writer.writeVarUint(status.consumedTick === undefined ? 0 : status.consumedTick + 1);
  const margin =
    status.margin === undefined ? undefined : Math.max(-MAX_MARGIN, Math.min(MAX_MARGIN, status.margin));
  writer.writeBool(margin !== undefined);
  if (margin !== undefined) writer.writeVarInt(Math.round(margin));
  writer.writeVarUint(status.serverTick);
  writer.writeVarUint(status.vehicleId === undefined ? 0 : status.vehicleId + 1);
  return writer.finish();
}

/**
 * Decodes a game message. `from` says who sent it, since the clock message differs by direction. Throws a
 * ProtocolError `BAD_FRAME` ("game message: ...") for anything malformed.
 */
export function decodeGameMessage(bytes: Uint8Array, from: 'player' | 'server'): GameMessage {
  const type = bytes[0];
  try {
    if (type === GameMessageType.input && from === 'player') {
      return { type: 'input', packet: decodeInputPacket(bytes.subarray(1), netInputCodec) };
    }
    const reader = new BitReader(bytes.subarray(1));
    let message: GameMessage;
    if (type === GameMessageType.clock && from === 'player') {
      message = { type: 'clock-probe', sentAt: readTime(reader) };
    } else if (type === GameMessageType.clock) {
      message = {
        type: 'clock-reply',
        sentAt: readTime(reader),
        receivedAt: readTime(reader),
        repliedAt: readTime(reader),
      };
    } else if (type === GameMessageType.hash && from === 'player') {
      message = { type: 'hash', tick: reader.readVarUint(), hash: reader.readBits(32) >>> 0 };
    } else if (type === GameMessageType.status && from === 'server') {
      const consumed = reader.readVarUint();
      const margin = reader.readBool() ? reader.readVarInt() : undefined;
      const serverTick = reader.readVarUint();
      const vehicle = reader.readVarUint();
      message = {
        type: 'status',
        status: {
          consumedTick: consumed === 0 ? undefined : consumed - 1,
          margin,
          serverTick,
          vehicleId: vehicle === 0 ? undefined : vehicle - 1,
        },
      };
    } else {
      throw new Error(`no ${from === 'player' ? 'player' : 'server'} message of type ${String(type)}`);
    }
    if (reader.bitsRemaining >= 8) throw new Error('bytes past the end');
    return message;
  } catch (error) {
    if (error instanceof ProtocolError && error.message.startsWith('game message')) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new ProtocolError(ErrorCode.BAD_FRAME, `game message: ${detail}`, { cause: error });
  }
}

const TIME_VIEW = new DataView(new ArrayBuffer(8));

/** Times are float64 milliseconds (each side's own clock): two 32-bit words. */
function writeTime(writer: BitWriter, ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`a message time must be finite, got ${ms}`);
  TIME_VIEW.setFloat64(0, ms, true);
  writer.writeBits(TIME_VIEW.getUint32(0, true), 32);
  writer.writeBits(TIME_VIEW.getUint32(4, true), 32);
}

function readTime(reader: BitReader): number {
  TIME_VIEW.setUint32(0, reader.readBits(32), true);
  TIME_VIEW.setUint32(4, reader.readBits(32), true);
  const ms = TIME_VIEW.getFloat64(0, true);
  if (!Number.isFinite(ms)) throw new Error('a time that is not a finite number');
  return ms;
}
