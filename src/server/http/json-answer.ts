import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ErrorCode } from '../../protocol/index.js';

/**
 * Answers a refusal in the shape every HTTP refusal of the server has, `{code, message}` as JSON, so that
 * a client reads one of our error codes wherever it asked.
 */
export function answerError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * 404 for a path the server has nothing at. The protocol has no code for "no such path": INVALID_MESSAGE
 * is the one every other HTTP refusal of a request the server cannot act on uses (a bad target, a wrong
 * method). One answer for every such path, so a route that is turned off (/dashboard with no admin token)
 * cannot be told from one that never existed.
 */
export function answerNotFound(res: ServerResponse): void {
  answerError(res, 404, ErrorCode.INVALID_MESSAGE, 'nothing is served at this path');
}
