import type { WebSocket } from 'ws';
import { FIN_BINARY, LENGTH_16 } from './ws-frame-header.js';

/** A client's frames are masked: this bit of the second byte. */
const MASKED = 0x80;

/** The receiver's state between frames (ws 8, receiver.js: GET_INFO). */
const RECEIVER_BETWEEN_FRAMES = 0;

/** The opcode of a close frame: once one arrived, `ws` takes no more data. */
const CLOSE_OPCODE = 0x08;

/**
 * What this reads of a `ws` server-side WebSocket's receiver beyond the typed API (ws 8, receiver.js and
 * Node's Writable): where its parser stands (between frames, nothing buffered, no fragmented message
 * open), its limits and options, and whether its stream still takes writes. The options fixed when the
 * receiver is made (`isServer`, `allowSynchronousEvents`, `maxPayload`) are read once; the parser's state
 * and `binaryType` (which the app may change at any time, from a 'message' listener too) before every
 * frame taken. Where they are not as expected (another `ws` version), the chunk goes to `ws` as before; a
 * test pins the version whose internals these are.
 */
interface ReceiverInternals {
  write(chunk: Buffer): boolean;
  _state?: unknown;
  _bufferedBytes?: unknown;
  _fragmented?: unknown;
  _opcode?: unknown;
  _errored?: unknown;
  _maxPayload?: unknown;
  _binaryType?: unknown;
  _allowSynchronousEvents?: unknown;
  _isServer?: unknown;
  destroyed?: unknown;
  _writableState?: { readonly length?: unknown; readonly ending?: unknown } | null;
}

/** A Buffer view that allocates no more than `ws`'s own views do (`Buffer[Symbol.species]`). */
const FastBuffer = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species] as new (
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
) => Buffer;

/**
 * Takes the client's small binary messages out of each TCP chunk here, where `ws`'s receiver is between
 * frames, and emits them as `ws` would (`'message'` with a Buffer and `true`), in order. What is not such
 * a message (a control or text frame, a fragment, a compressed or unmasked frame, one over the receiver's
 * `maxPayload` or of 64 KiB or more, a frame cut by the chunk's end) goes to `ws` from there on, with the
 * rest of the chunk, and so does every chunk while `ws` holds part of a frame, or while the socket's
 * `binaryType` asks for something other than a Buffer: `ws` still checks, answers and closes as before,
 * and what arrives is delivered in the order sent.
 *
 * Why: a player sends 30-60 inputs a second, each a small frame in its own TCP chunk. `ws`'s receiver is
 * a Writable stream: each chunk takes the stream's write steps and callback, and its parser makes four
 * Buffer views and an array per message. Here a message costs one view and an unmask.
 */
export function receiveWholeFrames(socket: WebSocket): void {
  // null until the socket is set up (a client's before it opens).
  const receiver = (socket as unknown as { _receiver?: ReceiverInternals | null })._receiver;
  if (
    receiver === undefined ||
    receiver === null ||
    receiver._isServer !== true ||
    receiver._allowSynchronousEvents !== true ||
    typeof receiver._maxPayload !== 'number'
  )
    return;
  const maxPayload = receiver._maxPayload > 0 ? receiver._maxPayload : Number.POSITIVE_INFINITY;
  const writeToWs = receiver.write.bind(receiver);
  receiver.write = (chunk: Buffer): boolean => {
    let at = 0;
    const end = chunk.length;
    try {
      // binaryType is read before each frame: a listener may change it, and ws gives the next message so.
      while (at < end && receiver._binaryType === 'nodebuffer' && isBetweenFrames(receiver)) {
        const frameEnd = wholeFrameEnd(chunk, at, end, maxPayload);
        if (frameEnd < 0) break;
        const payload = unmaskedPayload(chunk, at, frameEnd);
        at = frameEnd;
        socket.emit('message', payload, true);
      }
    } catch (error) {
      // A listener threw (to the socket's 'data' emitter, and on to the process, as it would from ws).
      // Where the process goes on, the rest of the chunk is still ws's: dropped, the next chunk would be
      // read from a byte inside a frame, and a payload's bytes taken for frames. (ws alone stops reading
      // for good there, its stream left mid-write.)
      if (at < end) writeToWs(rest(chunk, at, end));
      throw error;
    }
    if (at === end) return true;
    return writeToWs(at === 0 ? chunk : rest(chunk, at, end));
  };
}

/** A view of `chunk` from `at` to `end`. */
function rest(chunk: Buffer, at: number, end: number): Buffer {
  return new FastBuffer(chunk.buffer, chunk.byteOffset + at, end - at);
}

/** Whether `ws`'s receiver is between frames, holds nothing, and still takes data. */
function isBetweenFrames(receiver: ReceiverInternals): boolean {
  const stream = receiver._writableState;
  return (
    receiver._state === RECEIVER_BETWEEN_FRAMES &&
    receiver._bufferedBytes === 0 &&
    receiver._fragmented === 0 &&
    receiver._opcode !== CLOSE_OPCODE &&
    receiver._errored === false &&
    receiver.destroyed === false &&
    stream !== null &&
    stream !== undefined &&
    stream.length === 0 &&
    stream.ending === false
  );
}

/**
 * Where the frame at `at` ends, if it is a whole masked binary message of 1 to `maxPayload` bytes (at most
 * 65,535) that lies wholly in `chunk` before `end`; -1 otherwise.
 */
function wholeFrameEnd(chunk: Buffer, at: number, end: number, maxPayload: number): number {
  if (end - at < 2 || chunk[at] !== FIN_BINARY) return -1;
  const second = chunk[at + 1] as number;
  if ((second & MASKED) === 0) return -1;
  let length = second & 0x7f;
  let maskAt = at + 2;
  if (length === LENGTH_16) {
    if (end - at < 4) return -1;
    length = ((chunk[at + 2] as number) << 8) | (chunk[at + 3] as number);
    maskAt = at + 4;
  } else if (length > LENGTH_16) {
    // A 64-bit length (65,536 bytes or more): left to ws.
    return -1;
  }
  if (length === 0 || length > maxPayload) return -1;
  const frameEnd = maskAt + 4 + length;
  return frameEnd <= end ? frameEnd : -1;
}

/** Unmasks the payload of the frame at `at` (whole, ending at `frameEnd`) in place and returns a view of it. */
function unmaskedPayload(chunk: Buffer, at: number, frameEnd: number): Buffer {
  const second = chunk[at + 1] as number;
  const maskAt = (second & 0x7f) === LENGTH_16 ? at + 4 : at + 2;
  const payloadAt = maskAt + 4;
  const m0 = chunk[maskAt] as number;
  const m1 = chunk[maskAt + 1] as number;
  const m2 = chunk[maskAt + 2] as number;
  const m3 = chunk[maskAt + 3] as number;
  let i = payloadAt;
  const whole = payloadAt + ((frameEnd - payloadAt) & ~3);
  for (; i < whole; i += 4) {
    chunk[i] = (chunk[i] as number) ^ m0;
    chunk[i + 1] = (chunk[i + 1] as number) ^ m1;
    chunk[i + 2] = (chunk[i + 2] as number) ^ m2;
    chunk[i + 3] = (chunk[i + 3] as number) ^ m3;
  }
  const tail = frameEnd - i;
  if (tail > 0) chunk[i] = (chunk[i] as number) ^ m0;
  if (tail > 1) chunk[i + 1] = (chunk[i + 1] as number) ^ m1;
  if (tail > 2) chunk[i + 2] = (chunk[i + 2] as number) ^ m2;
  return new FastBuffer(chunk.buffer, chunk.byteOffset + payloadAt, frameEnd - payloadAt);
}
