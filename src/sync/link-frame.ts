import { ErrorCode, ProtocolError } from '../protocol/index.js';
import { ackByteLength, decodeAckIn, type SnapshotAck, writeAckBytes } from './snapshot/ack.js';

/**
 * The first byte of every `phys` message of a synced room, so that snapshots, acks and the app's own
 * traffic (inputs) share the channel. Part of the wire format: add tags, never renumber.
 */
export const SyncTag = {
  /** The app's own bytes follow, untouched. Either direction. */
  app: 0,
  /** Server to client: a snapshot as `SnapshotEncoder` wrote it. */
  snapshot: 1,
  /** Server to client: the same, deflated (raw DEFLATE, RFC 1951). */
  deflatedSnapshot: 2,
  /** Client to server: an ack as `encodeAck` wrote it, nothing else (the ack-only message). */
  ack: 3,
  /** Client to server: one byte of ack length, the ack, then the app's bytes (an input carrying an ack). */
  ackApp: 4,
  /**
   * Server to client: a chain, never deflated: the byte length of a resent snapshot (a varuint: 7 bits a
   * byte, least significant first, the high bit set on all but the last), that snapshot, then a new one
   * written against its frame (`EncodedSnapshot.resent`, then `bytes`). One message, so that both arrive
   * or neither does; the client decodes the resent one first (`SnapshotDecoder.decodeResent`).
   */
  chain: 5,
  /**
   * Client to server: this client cannot read the server's snapshots, its entity types are not the
   * server's (a page from an older build). Two 32-bit fingerprints follow, least significant byte first:
   * the server's, as its snapshot named it, then the client's own (`EntityRegistry.fingerprint`). The
   * server sends that member no more snapshots. A server that predates it counts it as a bad frame.
   */
  typesDiffer: 6,
} as const;
export type SyncTag = (typeof SyncTag)[keyof typeof SyncTag];

/** A `phys` message of a synced room, decoded. Payloads are views into the message, not copies. */
export type SyncFrame =
  | { readonly kind: 'app'; readonly payload: Uint8Array }
  | {
      readonly kind: 'snapshot';
      readonly deflated: boolean;
      readonly payload: Uint8Array;
      /** A chain's resent snapshot, to be decoded before `payload`; undefined in any other frame. */
      readonly resent: Uint8Array | undefined;
    }
  | { readonly kind: 'ack'; readonly ack: SnapshotAck; readonly payload: Uint8Array | undefined }
  | {
      readonly kind: 'typesDiffer';
      /** The fingerprints of the server's entity types, as its snapshot named it, and of the client's. */
      readonly server: number;
      readonly client: number;
      /** No app bytes: here so that code reading every frame's `payload` reads this one's as none. */
      readonly payload: undefined;
    };

/** A `typesDiffer` frame's length: the tag and two 32-bit fingerprints. */
const TYPES_DIFFER_BYTES = 9;

export function encodeAppFrame(payload: Uint8Array): Uint8Array {
  return encodeTaggedFrame(SyncTag.app, payload);
}

export function encodeSnapshotFrame(snapshot: Uint8Array, deflated: boolean): Uint8Array {
  return encodeTaggedFrame(deflated ? SyncTag.deflatedSnapshot : SyncTag.snapshot, snapshot);
}

/** A chain frame's payload (without its tag): the resent snapshot's length, it, then the new snapshot. */
export function chainPayload(resent: Uint8Array, snapshot: Uint8Array): Uint8Array {
  const lengthBytes = varUintByteLength(resent.length);
  const out = new Uint8Array(lengthBytes + resent.length + snapshot.length);
  let length = resent.length;
  for (let index = 0; index < lengthBytes; index++) {
    out[index] = (length & 0x7f) | (index < lengthBytes - 1 ? 0x80 : 0);
    length >>>= 7;
  }
  out.set(resent, lengthBytes);
  out.set(snapshot, lengthBytes + resent.length);
  return out;
}

/** A chain frame, tag and all (`SyncTag.chain`). */
export function encodeChainFrame(resent: Uint8Array, snapshot: Uint8Array): Uint8Array {
  return encodeTaggedFrame(SyncTag.chain, chainPayload(resent, snapshot));
}

/** Bytes of a chain's length varuint: at most 3 for any length a `phys` message can carry. */
export function varUintByteLength(value: number): number {
  let bytes = 1;
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) bytes++;
  return bytes;
}

/**
 * The ack alone, or with the app's bytes after it (an input message that carries the ack). One array,
 * the ack written into it in place: a client sends one with every input.
 */
export function encodeAckFrame(ack: SnapshotAck, payload?: Uint8Array): Uint8Array {
  const ackLength = ackByteLength(ack);
  if (payload === undefined) {
    const out = new Uint8Array(1 + ackLength);
    out[0] = SyncTag.ack;
    writeAckBytes(out, 1, ack);
    return out;
  }
  const out = new Uint8Array(2 + ackLength + payload.length);
  out[0] = SyncTag.ackApp;
  out[1] = ackLength;
  writeAckBytes(out, 2, ack);
  out.set(payload, 2 + ackLength);
  return out;
}

/** A `typesDiffer` frame: the fingerprint of the server's types (as its snapshot named it), then this side's. */
export function encodeTypesDifferFrame(server: number, client: number): Uint8Array {
  const out = new Uint8Array(TYPES_DIFFER_BYTES);
  const view = new DataView(out.buffer);
  out[0] = SyncTag.typesDiffer;
  view.setUint32(1, server >>> 0, true);
  view.setUint32(5, client >>> 0, true);
  return out;
}

/**
 * Throws a ProtocolError `BAD_FRAME` for an empty message, an unknown tag, a malformed ack or a
 * `typesDiffer` frame of another length.
 */
export function decodeSyncFrame(bytes: Uint8Array): SyncFrame {
  const tag = bytes[0];
  switch (tag) {
    case SyncTag.app:
      return { kind: 'app', payload: bytes.subarray(1) };
    case SyncTag.snapshot:
    case SyncTag.deflatedSnapshot:
      return {
        kind: 'snapshot',
        deflated: tag === SyncTag.deflatedSnapshot,
        payload: bytes.subarray(1),
        resent: undefined,
      };
    case SyncTag.chain:
      return decodeChain(bytes);
    case SyncTag.ack:
      return { kind: 'ack', ack: decodeAckIn(bytes, 1, bytes.length), payload: undefined };
    case SyncTag.ackApp: {
      const end = ackEndOf(bytes);
      return { kind: 'ack', ack: decodeAckIn(bytes, 2, end), payload: bytes.subarray(end) };
    }
    case SyncTag.typesDiffer:
      return decodeTypesDiffer(bytes);
    case undefined:
      throw new ProtocolError(ErrorCode.BAD_FRAME, 'sync frame: empty message');
    default:
      throw new ProtocolError(ErrorCode.BAD_FRAME, `sync frame: unknown tag ${tag}`);
  }
}

/**
 * Where the ack of an `ack` or `ackApp` frame starts (1 or 2); 0 for any other frame. With `ackEndOf`,
 * lets a server read the ack in place (`decodeAckIn`) rather than through `decodeSyncFrame`'s objects.
 */
export function ackStartOf(bytes: Uint8Array): number {
  const tag = bytes[0];
  return tag === SyncTag.ackApp ? 2 : tag === SyncTag.ack ? 1 : 0;
}

/**
 * Where the ack of a frame `ackStartOf` placed ends (the app's bytes follow in an `ackApp`). Throws a
 * ProtocolError `BAD_FRAME` when an `ackApp` frame's ack length runs past the message.
 */
export function ackEndOf(bytes: Uint8Array): number {
  if (bytes[0] !== SyncTag.ackApp) return bytes.length;
  const length = bytes[1];
  if (length === undefined || bytes.length < 2 + length) {
    throw new ProtocolError(ErrorCode.BAD_FRAME, 'sync frame: ack longer than the message');
  }
  return 2 + length;
}

function decodeTypesDiffer(bytes: Uint8Array): SyncFrame {
  if (bytes.length !== TYPES_DIFFER_BYTES) {
    throw new ProtocolError(
      ErrorCode.BAD_FRAME,
      `sync frame: a types frame of ${bytes.length} bytes, not ${TYPES_DIFFER_BYTES}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    kind: 'typesDiffer',
    server: view.getUint32(1, true),
    client: view.getUint32(5, true),
    payload: undefined,
  };
}

/** Longest length varuint a chain may carry: 3 bytes, up to 2 MiB, more than any `phys` message. */
const MAX_CHAIN_LENGTH_BYTES = 3;

function decodeChain(bytes: Uint8Array): SyncFrame {
  let length = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at];
    if (byte === undefined || at > MAX_CHAIN_LENGTH_BYTES) {
      throw new ProtocolError(ErrorCode.BAD_FRAME, 'sync frame: a chain without a whole resent length');
    }
    at++;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  // Both snapshots have a header: neither may be empty.
  if (length === 0 || at + length >= bytes.length) {
    throw new ProtocolError(
      ErrorCode.BAD_FRAME,
      `sync frame: a chain's resent snapshot of ${length} bytes does not leave a snapshot after it`,
    );
  }
  return {
    kind: 'snapshot',
    deflated: false,
    payload: bytes.subarray(at + length),
    resent: bytes.subarray(at, at + length),
  };
}

/** A sync frame of any tag: the tag, then the payload as it is (what `sendTagged` sends in place). */
export function encodeTaggedFrame(tag: SyncTag, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + payload.length);
  out[0] = tag;
  out.set(payload, 1);
  return out;
}
