import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import { answerError } from './json-answer.js';

/**
 * Reads a whole request body, refusing with MESSAGE_TOO_LARGE as soon as it passes `limitBytes`. The
 * rest is then left unread (reading on to drain it would let a client make us swallow any size): the
 * caller answers, with `answerTooLarge`, which closes the connection once the answer is out.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  // NaN would compare false against every size and silently lift the limit.
  if (!(limitBytes >= 0)) throw new TypeError('readBody limitBytes must be a number >= 0');
  return new Promise((resolve, reject) => {
    const tooLarge = () => new ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `body over ${limitBytes} bytes`);
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      // Keeps a late 'error' from the destroyed request from becoming an unhandled one.
      req.on('error', () => {});
      if (error) {
        chunks = [];
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limitBytes) {
        req.pause();
        finish(tooLarge());
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => finish(undefined);
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('request closed before its body ended'));

    // A declared length over the limit is refused before a byte of it is read.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      settled = true;
      req.on('error', () => {});
      reject(tooLarge());
      return;
    }
    if (req.readableEnded) {
      resolve(new Uint8Array(0));
      return;
    }
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Answers a body `readBody` refused as too large: 413 MESSAGE_TOO_LARGE in the usual JSON shape, then the
 * connection is closed (`Connection: close`), so the rest of the body is never read.
 */
export function answerTooLarge(res: ServerResponse, limitBytes: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.shouldKeepAlive = false;
  answerError(
    res,
    413,
    ErrorCode.MESSAGE_TOO_LARGE,
    `the body is over ${limitBytes.toLocaleString('en-US')} bytes`,
    { connection: 'close' },
  );
}

/**
 * The request's body as text (at most `limitBytes`), or undefined once the request has been answered for
 * it: 413 for a body over the limit (see `answerTooLarge`; `onTooLarge` is told, for a count), 400
 * INVALID_MESSAGE for one that broke off.
 */
export async function readTextBody(
  req: IncomingMessage,
  res: ServerResponse,
  limitBytes: number,
  onTooLarge: () => void = () => {},
): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await readBody(req, limitBytes));
  } catch (error) {
    if (error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE) {
      // Declared or sent: answered, then the connection closes with the rest of the body unread.
      answerTooLarge(res, limitBytes);
      onTooLarge();
      return undefined;
    }
    // The request broke off (most likely nobody is left to read this).
    answerError(res, 400, ErrorCode.INVALID_MESSAGE, 'the body ended early');
    return undefined;
  }
}
