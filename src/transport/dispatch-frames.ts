import { MAX_PEER_DATA_BYTES, readVarUint, varUintLength, writeVarUint } from '../protocol/index.js';

/**
 * The frames of a DispatchStream on the `dispatch` channel: `[0x08][seq varuint][payload]` carries
 * message `seq` (1, 2, 3, ... per session and direction), `[0x06][seq varuint]` acks every message up to
 * `seq`. The markers are the protocol's Reliable and Ack kinds: same layout, same meaning.
 */
export const DISPATCH_DATA = 0x08;
export const DISPATCH_ACK = 0x06;

/** The most a data frame adds to its payload: the marker and a varuint of up to 8 bytes (2^53). */
export const DISPATCH_HEADER_MAX_BYTES = 9;

/**
 * Largest dispatch message: its frame must fit the relay path's limit on a message (16 KiB), since it
 * goes over whichever path is up, and again over the other after a change.
 */
export const MAX_DISPATCH_BYTES = MAX_PEER_DATA_BYTES - DISPATCH_HEADER_MAX_BYTES;

export function encodeDispatchData(seq: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + varUintLength(seq) + payload.length);
  frame[0] = DISPATCH_DATA;
  frame.set(payload, writeVarUint(frame, 1, seq));
  return frame;
}

export function encodeDispatchAck(seq: number): Uint8Array {
  const frame = new Uint8Array(1 + varUintLength(seq));
  frame[0] = DISPATCH_ACK;
  writeVarUint(frame, 1, seq);
  return frame;
}

/** A frame read: its marker, its number and (for data) a view of its payload. Throws if malformed. */
export function readDispatchFrame(frame: Uint8Array): { type: number; seq: number; payload: Uint8Array } {
  const { value, next } = readVarUint(frame, 1);
  return { type: frame[0] ?? 0, seq: value, payload: frame.subarray(next) };
}
