import {
  type DatagramFromServerFields,
  decodeFrame,
  ErrorCode,
  type Message,
  ProtocolError,
  readDatagramFromServerFrame,
  serverToClientKinds,
} from '../protocol/index.js';

const NO_BYTES = new Uint8Array(0);

/** Where what the server sends goes, once read. */
export interface ServerFrameSink {
  /** A DatagramFromServer (every snapshot in TCP mode), as its fields rather than a decoded message. */
  datagram(c: number, p: Uint8Array, t: number): void;
  /** Whether a sequenced message numbered `seq` is new (not one read before a resume replayed it). */
  accept(seq: number): boolean;
  message(message: Message): void;
  /** Something came that is not a frame of ours, or a frame that could not be read. */
  error(error: ProtocolError): void;
  /** A frame could not be read (`error` was told too): see `ConnectionHooks.unreadable`. */
  unreadable(error: ProtocolError): void;
}

/** Reads what arrives on the session's socket: each frame to the sink, as a datagram or a message. */
export class ServerFrames {
  readonly #sink: ServerFrameSink;
  /** Where each DatagramFromServer is read: one record, not a frame, message and body per snapshot. */
  readonly #datagram: DatagramFromServerFields = { c: 0, p: NO_BYTES, t: 0 };

  constructor(sink: ServerFrameSink) {
    this.#sink = sink;
  }

  read(data: unknown): void {
    // The server sends only binary frames: an ArrayBuffer in a browser, a Buffer from Node's `ws`.
    const received =
      data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : undefined;
    if (!received) {
      // Something else answers on this URL (a proxy's notice, another service on the path): said, as an
      // undecodable frame is, where dropped in silence the app could not tell why nothing arrived.
      if (typeof data === 'string') {
        const what = 'a text frame: the server sends binary frames only';
        this.#sink.error(new ProtocolError(ErrorCode.BAD_FRAME, what));
      }
      return;
    }
    // Snapshots, 20 a second or more: read in place when in the shape our server writes (a bare frame,
    // nothing to sequence or ack); anything else, malformed frames included, goes through the decoder.
    if (readDatagramFromServerFrame(received, this.#datagram)) {
      const datagram = this.#datagram;
      const payload = datagram.p;
      datagram.p = NO_BYTES; // the record must not keep the newest message's buffer alive
      this.#sink.datagram(datagram.c, payload, datagram.t);
      return;
    }
    // A plain Uint8Array view: payloads read out of it must behave as Uint8Arrays (a Buffer's `slice`
    // does not copy).
    const bytes = new Uint8Array(received.buffer, received.byteOffset, received.byteLength);
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(bytes, serverToClientKinds);
    } catch (error) {
      const unreadable =
        error instanceof ProtocolError ? error : new ProtocolError(ErrorCode.BAD_FRAME, 'undecodable frame');
      this.#sink.error(unreadable);
      this.#sink.unreadable(unreadable);
      return;
    }
    if (frame.envelope !== 'bare') {
      if (!this.#sink.accept(frame.seq)) return;
    }
    this.#sink.message(frame.message);
  }
}
