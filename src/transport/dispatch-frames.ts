import {
  ErrorCode,
  MAX_PEER_DATA_BYTES,
  ProtocolError,
  readVarUint,
  varUintLength,
  writeVarUint,
} from '../protocol/index.js';

/**
 * The frames of a DispatchStream on the `dispatch` channel: `[0x08][epoch u8][seq varuint][payload]`
 * carries message `seq` (1, 2, 3, ... per stream) of the sender's stream `epoch`, `[0x06][epoch u8][seq
 * varuint]` acks every message up to `seq` of the receiver's stream `epoch`. The epoch tells a link's
 * streams apart: a peer link's is chosen when the link is made (see StreamFollower), the server link's is
 * always 0. The markers are the protocol's Reliable and Ack kinds.
 */
export const DISPATCH_DATA = 0x08;
export const DISPATCH_ACK = 0x06;

/** The most a data frame adds to its payload: the marker, the epoch and a varuint of up to 8 bytes (2^53). */
export const DISPATCH_HEADER_MAX_BYTES = 10;

/**
 * Largest dispatch message: its frame must fit the relay path's limit on a message (16 KiB), since it
 * goes over whichever path is up, and again over the other after a change.
 */
export const MAX_DISPATCH_BYTES = MAX_PEER_DATA_BYTES - DISPATCH_HEADER_MAX_BYTES;

/** The epoch of the stream a data frame belongs to; undefined for an ack, or a frame too short to name one. */
export function dataFrameEpoch(frame: Uint8Array): number | undefined {
  return frame[0] === DISPATCH_DATA ? frame[1] : undefined;
}

/** Bytes of the data frame carrying message `seq` with a payload of `payloadLength` bytes. */
export function dispatchDataLength(seq: number, payloadLength: number): number {
  return 2 + varUintLength(seq) + payloadLength;
}

export function encodeDispatchData(epoch: number, seq: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(dispatchDataLength(seq, payload.length));
  frame[0] = DISPATCH_DATA;
  frame[1] = epoch;
  frame.set(payload, writeVarUint(frame, 2, seq));
  return frame;
}

export function encodeDispatchAck(epoch: number, seq: number): Uint8Array {
  const frame = new Uint8Array(2 + varUintLength(seq));
  frame[0] = DISPATCH_ACK;
  frame[1] = epoch;
  writeVarUint(frame, 2, seq);
  return frame;
}

export interface DispatchFrame {
  type: number;
  epoch: number;
  seq: number;
  /** A view of the data frame's payload (empty for an ack). */
  payload: Uint8Array;
}

/**
 * A frame read: its marker, its stream's epoch, its number and (for data) a view of its payload. Throws
 * `BAD_FRAME` for one cut short before its number ends.
 */
export function readDispatchFrame(frame: Uint8Array): DispatchFrame {
  const epoch = frame[1];
  if (epoch === undefined) throw new ProtocolError(ErrorCode.BAD_FRAME, 'dispatch frame without its epoch');
  const { value, next } = readVarUint(frame, 2);
  return { type: frame[0] ?? 0, epoch, seq: value, payload: frame.subarray(next) };
}
