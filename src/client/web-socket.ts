/**
 * An event handler as the client sets it. Declared through a method so that its parameter is compared
 * both ways: each implementation types its handlers with its own event class (the DOM's MessageEvent,
 * ws's WebSocket.MessageEvent, ...), and each of those carries the fields named here, which are all the
 * client reads. A handler whose event lacks them still does not fit.
 */
type Handler<Event> = { bivarianceHack(event: Event): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses: the browser's own and `ws`'s both provide it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

/** The browser's `WebSocket` or `ws`'s: either fits as it is. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * Sends one frame. Frames are views of ordinary ArrayBuffers (`new Uint8Array`, or a slice of a slab
 * made so), never of shared memory, which a browser's `send` refuses.
 */
export function sendFrame(socket: WebSocketLike, frame: Uint8Array): void {
  socket.send(frame as Uint8Array<ArrayBuffer>);
}

/** WebSocket.OPEN, the same in every implementation. */
export const OPEN = 1;
