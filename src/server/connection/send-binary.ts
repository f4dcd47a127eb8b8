import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { FIN_BINARY, LENGTH_16 } from './ws-frame-header.js';

/**
 * The largest payload written in one piece with its header (at most 4 bytes): the frame then stays below
 * half of Node's default 8 KiB buffer pool, so `Buffer.allocUnsafe` carves it from the pool, and the copy
 * costs less than the two-piece write it replaces. Larger frames (full snapshots, listings) are rare and go
 * through `ws` as they are.
 */
const ONE_PIECE_MAX_BYTES = 4_096 - 1 - 4;

/** The sender's state while nothing of an earlier message waits (compression, a Blob being read). */
const SENDER_IDLE = 0;

/**
 * What this reads of a `ws` WebSocket beyond its typed API (ws 8, websocket.js and sender.js): the TCP
 * socket under it; whether it is the server's end (only a client masks its frames); and its sender's
 * state, which says whether an earlier message is still being compressed or read (queued behind it), and
 * whether a message sent in fragments is open (`_firstFragment` false until its last fragment). Checked on
 * every send: where they are not as expected (another `ws` version), `send` is used, as before; a test
 * pins the version whose internals these are.
 */
interface WsInternals {
  readonly _socket?: Socket | null;
  readonly _isServer?: unknown;
  readonly _sender?: { readonly _state?: unknown; readonly _firstFragment?: unknown } | null;
}

/**
 * Sends `payload` as one binary WebSocket message, as `socket.send(payload)` does. A small message on an
 * open server-side socket is framed here, header and payload in one buffer, and written straight to the
 * TCP socket: `ws` writes the header and the payload as two corked pieces, which takes Node's vectored
 * write path (a list of pieces and a write request per message) and the sender's own steps for every
 * message. The server sends each player 20-60 such messages a second (snapshots, pongs, notices), most
 * under 200 bytes; this cut the server's CPU per message by 7-8 % (BENCHMARKS.md, "one-piece
 * WebSocket frames").
 *
 * The bytes on the wire are the ones `ws` writes for an uncompressed message (a server's frames are not
 * masked, and compression is optional per message), and they are counted in `bufferedAmount` as `ws`'s
 * are (it reads the TCP socket's queue). Where `ws` still holds an earlier message (one being compressed)
 * this one would overtake it, and inside a message sent in fragments it would break that message: then,
 * as on a closing socket, it goes through `ws`, which orders it as it orders its own.
 */
export function sendBinary(socket: WebSocket, payload: Uint8Array): void {
  const length = payload.length;
  const internals = socket as unknown as WsInternals;
  const tcp = internals._socket;
  const sender = internals._sender;
  if (
    length > ONE_PIECE_MAX_BYTES ||
    socket.readyState !== socket.OPEN ||
    !tcp ||
    internals._isServer !== true ||
    sender?._state !== SENDER_IDLE ||
    sender._firstFragment !== true
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
    frame[1] = LENGTH_16;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  }
  frame.set(payload, headerBytes);
  tcp.write(frame);
}
