import type { WebSocketConstructor, WebSocketLike } from '../../../../src/client/web-socket.js';
import {
  type Body,
  type BodyKind,
  clientToServerKinds,
  decodeFrame,
  encodeMessage,
  type Message,
} from '../../../../src/protocol/index.js';

/**
 * A server the test plays by hand, behind a stand-in WebSocket: it records every message a Client
 * sends and lets the test answer with any message, at once and without a network.
 */
export class FakeServer {
  readonly received: Message[] = [];
  socket: FakeSocket | undefined;
  /** Called with each message from the client (after it is recorded). */
  onMessage: (message: Message) => void = () => {};

  /** The constructor to pass as the Client's `WebSocket` option. */
  get WebSocket(): WebSocketConstructor {
    const server = this;
    return class extends FakeSocket {
      constructor() {
        super(server);
      }
    };
  }

  /** Sends a bare message to the client. */
  send<K extends BodyKind>(kind: K, body: Body<K>): void {
    this.socket?.onmessage?.({ data: encodeMessage(kind, body) });
  }

  /** Messages of one kind the client sent so far. */
  receivedOf<K extends BodyKind>(kind: K): Body<K>[] {
    return this.received.filter((message) => message.kind === kind).map((message) => message.body as Body<K>);
  }
}

class FakeSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #server: FakeServer;

  constructor(server: FakeServer) {
    this.#server = server;
    server.socket = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: Uint8Array): void {
    const { message } = decodeFrame(data, clientToServerKinds);
    this.#server.received.push(message);
    this.#server.onMessage(message);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}
