import {
  type Body,
  type BodyKind,
  type DecodedFrame,
  decodeFrame,
  encodeMessage,
  Kind,
  PROTOCOL_VERSION,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { WebSocket } from 'ws';

/**
 * A bare protocol client for tests that must send exactly the bytes they choose: forged resumes,
 * garbage, floods. Collects every decoded server frame and the close code.
 */
export class RawClient {
  readonly socket: WebSocket;
  readonly frames: DecodedFrame[] = [];
  closeCode: number | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  /** `headers`: sent with the upgrade (an `X-Forwarded-For` to a server that trusts a proxy). */
  constructor(wsUrl: string, token: string | undefined, headers?: Record<string, string>) {
    const url = new URL(wsUrl);
    if (token !== undefined) url.searchParams.set('token', token);
    this.socket = new WebSocket(url, headers === undefined ? {} : { headers });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.socket.once('error', (error) => reject(error));
    });
    this.opened.catch(() => {});
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      });
    });
    this.socket.on('message', (data: Buffer) => {
      try {
        this.frames.push(decodeFrame(new Uint8Array(data), serverToClientKinds));
      } catch {
        // tests look at what decoded
      }
    });
  }

  send<K extends BodyKind>(kind: K, body: Body<K>): void {
    this.socket.send(encodeMessage(kind, body));
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  hello(resume?: { playerId: string; token: string; ack: number; attempt?: number }): void {
    this.send(Kind.Hello, { v: PROTOCOL_VERSION, ...(resume ? { resume } : {}) });
  }

  /** Bodies of frames of one kind received so far. */
  received<K extends BodyKind>(kind: K): Body<K>[] {
    return this.frames
      .filter((frame) => frame.message.kind === kind)
      .map((frame) => frame.message.body as Body<K>);
  }

  close(): void {
    this.socket.terminate();
  }
}
