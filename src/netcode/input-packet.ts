import { BitReader, BitWriter, ErrorCode, ProtocolError } from '../protocol/index.js';

/** How a game's input type goes to and from bits. `read` may throw on a value `write` never produces. */
export interface InputCodec<I> {
  write(bits: BitWriter, input: I): void;
  read(bits: BitReader): I;
}

/**
 * The inputs of consecutive ticks, `firstTick` onward. A client sends the newest few unacked inputs in
 * every packet, so a lost packet costs nothing as long as a later one arrives in time.
 */
export interface InputPacket<I> {
  readonly firstTick: number;
  readonly inputs: readonly I[];
}

/** Most inputs one packet may carry; the decoder refuses more (a bound on what a peer can make us parse). */
export const MAX_INPUTS_PER_PACKET = 64;

/**
 * Wire format (bit-packed, LSB first, see BitWriter): varuint firstTick, 6 bits (count - 1), then each
 * input as the codec writes it, zero-padded to a whole byte.
 */
export function encodeInputPacket<I>(packet: InputPacket<I>, codec: InputCodec<I>): Uint8Array {
  const count = packet.inputs.length;
  if (count < 1 || count > MAX_INPUTS_PER_PACKET) {
    throw new RangeError(`an input packet holds 1..${MAX_INPUTS_PER_PACKET} inputs, got ${count}`);
  }
  const writer = new BitWriter(16 + count * 4);
  writer.writeVarUint(packet.firstTick);
  writer.writeBits(count - 1, 6);
  for (const input of packet.inputs) codec.write(writer, input);
  return writer.finish();
}

/**
 * Decodes what {@link encodeInputPacket} wrote. Bad bytes (truncated, trailing bytes, non-zero padding,
 * a tick past the safe range, or anything the input codec throws on) raise a ProtocolError `BAD_FRAME`
 * whose message starts with "input packet"; nothing else escapes.
 */
export function decodeInputPacket<I>(bytes: Uint8Array, codec: InputCodec<I>): InputPacket<I> {
  try {
    const reader = new BitReader(bytes);
    const firstTick = reader.readVarUint();
    const count = reader.readBits(6) + 1;
    if (!Number.isSafeInteger(firstTick + count)) throw bad('tick out of range');
    const inputs: I[] = [];
    for (let index = 0; index < count; index++) inputs.push(codec.read(reader));
    const left = reader.bitsRemaining;
    if (left >= 8) throw bad(`${Math.floor(left / 8)} bytes past the end`);
    if (left > 0 && reader.readBits(left) !== 0) throw bad('padding bits are not zero');
    return { firstTick, inputs };
  } catch (error) {
    if (error instanceof ProtocolError && error.message.startsWith('input packet')) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new ProtocolError(ErrorCode.BAD_FRAME, `input packet: ${detail}`, { cause: error });
  }
}

function bad(problem: string): ProtocolError {
  return new ProtocolError(ErrorCode.BAD_FRAME, `input packet: ${problem}`);
}
