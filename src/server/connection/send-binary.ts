import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * The largest payload written in one piece with its header: a copy this size or smaller comes from Node's
 * shared buffer pool (half its 8 KiB), where the copy costs less than the two-piece write it replaces. Larger
 * frames (full snapshots, listings) are rare and go through `ws` as they are.
 */
const ONE_PIECE_MAX_BYTES = 4_096 - 4;

/** `ws` sends a binary message that is the whole message (FIN) with this first byte. */
const FIN_BINARY = 0x82;

/** The sender's state while nothing of an earlier message waits (compression, a Blob being read). */
const SENDER_IDLE = 0;

/**
 * What this reads of a `ws` WebSocket beyond its typed API (ws 8): the TCP socket under it, and its
 * sender's state, which says whether an earlier message is still being compressed or read. Checked on every
 * send: where they are not as expected (another `ws` version), `send` is used, as before.
 */
interface WsInternals {
  readonly _socket?: Socket | null;
  readonly _sender?: { readonly _state?: unknown } | null;
}

/**
 * Sends `payload` as one binary WebSocket message, as `socket.send(payload)` does. A small message on an
 * open socket is framed here, header and payload in one buffer, and written straight to the TCP
 * socket: `ws` writes the header and the payload as two corked pieces, which takes Node's vectored write
 * path (a list of pieces and a write request per message) and the sender's own steps for every message.
 * The server sends each player 20-60 such messages a second (snapshots, acks, pongs), most under 200 bytes,
 * and this cut the CPU a message costs the server (BENCHMARKS.md, "one-piece frames").
 *
 * The bytes on the wire are the ones `ws` writes for an uncompressed message (a server's frames are not
 * masked, and a compressed frame is optional per message), and they are counted in `bufferedAmount` as
 * `ws`'s are (it reads the TCP socket's queue). Anything `ws` still holds of an earlier message (a message
 * being compressed) would be overtaken: then this message goes through `ws`, behind it.
 */
export function sendBinary(socket: WebSocket, payload: Uint8Array): void {
  const length = payload.length;
  const internals = socket as unknown as WsInternals;
  const tcp = internals._socket;
  if (
    length > ONE_PIECE_MAX_BYTES ||
    socket.readyState !== socket.OPEN ||
    !tcp ||
    internals._sender?._state !== SENDER_IDLE
  ) {
    socket.send(payload);
    return;
  }
  const headerBytes = length > 125 ? 4 : 2;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = FIN_BINARY;
  if (headerBytes === 2) {
    frame[1] = length;
  } else {
    frame[1] = 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  }
  frame.set(payload, headerBytes);
  tcp.write(frame);
}
