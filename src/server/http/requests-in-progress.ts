import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode } from '../../protocol/index.js';
import { answerError } from './json-answer.js';

/**
 * Requests one connection may have in progress at once: read, and still being answered after their
 * handler's first turn (a file being opened and streamed, a body being read). Browsers send one at a time
 * on a connection; HTTP/1.1 pipelining may send more without waiting, and a handful is plenty for that.
 */
export const MAX_REQUESTS_IN_PROGRESS = 4;

/**
 * Bounds the requests a connection has in progress. Node stops reading a connection whose answers back up
 * only by the bytes those answers have written, which an async handler has not written yet: one socket
 * that pipelined 20,000 `GET /` (740 KB) and read nothing had each of them open its file and buffer it
 * behind the answers before it, 11,000 files open and the process past 600 MB, growing on after the
 * socket was gone. A request over the bound is answered at once, 429 `RATE_LIMITED`, and the connection
 * closed after it; what is already in progress goes on.
 */
export class RequestsInProgress {
  readonly #counts = new WeakMap<Socket, number>();
  readonly #onRefused: (req: IncomingMessage) => void;

  /** `onRefused`: told of each request refused, to count it. */
  constructor(onRefused: (req: IncomingMessage) => void) {
    this.#onRefused = onRefused;
  }

  /**
   * Runs `handle` for `req`, or refuses it when its connection has the most in progress already. A request
   * `handle` has answered by the end of its first turn (synchronously) is not counted: it holds nothing.
   */
  serve(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    const socket = req.socket;
    const count = this.#counts.get(socket) ?? 0;
    if (count >= MAX_REQUESTS_IN_PROGRESS) {
      this.#onRefused(req);
      answerError(
        res,
        429,
        ErrorCode.RATE_LIMITED,
        `too many requests in progress on this connection (at most ${MAX_REQUESTS_IN_PROGRESS}): wait for each answer before sending the next`,
        { connection: 'close' },
      );
      return;
    }
    handle();
    if (res.writableEnded) return;
    this.#counts.set(socket, count + 1);
    res.once('close', () => this.#counts.set(socket, (this.#counts.get(socket) ?? 1) - 1));
  }
}
