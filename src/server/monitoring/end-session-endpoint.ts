import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { ErrorCode, MAX_REASON_LENGTH } from '../../protocol/index.js';
import { answerError } from '../http/json-answer.js';
import { readJsonRequest } from '../http/json-request.js';
import { readTextBody } from '../http/read-body.js';

/** Where the dashboard (or an operator's script, with the bearer token) ends a player's session. */
export const END_SESSION_PATH = '/dashboard/api/end-session';

/** Largest body taken: a player id and a reason of MAX_REASON_LENGTH characters, escaped, fit well within. */
const MAX_END_SESSION_BYTES = 4_096;

const SHAPE = '{"playerId": string, "message"?: string of at most 512 characters}';

const endSessionSchema = v.object({
  playerId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  message: v.optional(v.pipe(v.string(), v.maxLength(MAX_REASON_LENGTH))),
});

/**
 * Ends a session of this node: the server's `endSession` (true when it ended one).
 * `message`: what the player is told, or the server's default.
 */
export type EndSession = (playerId: string, message?: string) => boolean;

/**
 * Why this write may come from another site's page, or undefined when it cannot. The login cookie is
 * SameSite=Strict, which no page of another site sends along, but a page of the same site (another port,
 * a sibling host) can send it with a plain form POST. A JSON body must say so in its content type, which
 * makes a page of any other origin ask first (a CORS preflight) and this server never grants one; and a
 * browser that says where the request comes from (`Sec-Fetch-Site`) must say this very origin.
 */
function crossOriginWrite(req: IncomingMessage): string | undefined {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return 'the body must be sent as application/json';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return 'only the dashboard itself may end sessions';
  return undefined;
}

/**
 * POST END_SESSION_PATH `{playerId, message?}`, from an admin (checked before this is called): ends that
 * session through `endSession` and answers 200 `{"ended": true}`, or `{"ended": false, "message"}` when
 * this node has no live session of that id (ended already, never here, or another node's), so that a
 * second click, or a retried script, is answered the same harmless way. Another method is 405, a write that
 * may come from another page (see `crossOriginWrite`) 403 UNAUTHORIZED, a body not of the shape 400
 * INVALID_MESSAGE, one over 4 KiB 413 MESSAGE_TOO_LARGE.
 */
export async function handleEndSessionRequest(
  req: IncomingMessage,
  res: ServerResponse,
  endSession: EndSession,
): Promise<void> {
  if (req.method !== 'POST') {
    answerError(res, 405, ErrorCode.INVALID_MESSAGE, 'use POST', {
      allow: 'POST',
      'cache-control': 'no-store',
    });
    return;
  }
  const crossOrigin = crossOriginWrite(req);
  if (crossOrigin !== undefined) {
    answerError(res, 403, ErrorCode.UNAUTHORIZED, crossOrigin, { 'cache-control': 'no-store' });
    return;
  }
  const text = await readTextBody(req, res, MAX_END_SESSION_BYTES);
  if (text === undefined) return;
  const request = readJsonRequest(text, endSessionSchema, SHAPE);
  if (typeof request === 'string') {
    answerError(res, 400, ErrorCode.INVALID_MESSAGE, request, { 'cache-control': 'no-store' });
    return;
  }
  const ended = endSession(request.playerId, request.message);
  const body = ended
    ? { ended }
    : { ended, message: 'this node has no live session of that player: it ended already, or is not here' };
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
