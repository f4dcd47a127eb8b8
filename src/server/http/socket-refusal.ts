import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../../protocol/index.js';

/**
 * Answers on a raw socket (an upgrade's, or one no request was parsed from), in the shape of every HTTP
 * refusal, `{code, message}` as JSON, and closes it.
 */
export function refuse(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = JSON.stringify({ code, message });
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Closed once the answer is written: a peer that never closes its end (a flooder) would otherwise keep
  // the socket, and with it a descriptor and any address slot, for as long as it likes.
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      extra +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** What Node's HTTP parser refused, by its error code, as the client is told it. */
const PARSER_REFUSALS: Readonly<Record<string, [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'the request headers are too large (too many cookies for this site?)'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'the chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request was not sent in time'],
};

/**
 * The server's `clientError`: a request Node's parser refused (headers over its limit, not HTTP, sent too
 * slowly). Said as Node's own handler would (431, 400, 408), in our JSON shape, when nothing was written
 * on the socket yet; destroyed unanswered otherwise (a reset, a response under way). Without an answer a
 * player whose cookies for the domain pass 16 KiB saw only a connection reset.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Duplex & { bytesWritten?: number },
): void {
  if (!socket.writable || (socket.bytesWritten ?? 0) > 0 || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, message] = PARSER_REFUSALS[error.code ?? ''] ?? [400, 'malformed HTTP request'];
  refuse(
    socket,
    status,
    status === 431 || status === 413 ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.INVALID_MESSAGE,
    message,
  );
}
