import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, nameProblem } from '../../protocol/index.js';
import type { GuestTokens } from '../auth/guest-tokens.js';
import { answerError } from './json-answer.js';
import { readTextBody } from './read-body.js';

/** Largest request body: a name and a token to renew fit many times over. */
const MAX_BODY_BYTES = 2048;
const MAX_RENEW_LENGTH = 1024;
/** The most of a refused `Origin` header repeated in the refusal (a browser's is far shorter). */
const MAX_ORIGIN_SHOWN = 200;
const SHAPE = '{"name"?: string, "renew"?: string}';

interface GuestRequest {
  name?: string;
  /** A token of this guest's, perhaps expired: the new one keeps its user id and name (see `renew`). */
  renew?: string;
}

/** The request, or what is wrong with it, said so that whoever sent it can put it right. */
function readGuestRequest(text: string): GuestRequest | string {
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `the body is not JSON: expected ${SHAPE}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return `expected a JSON object ${SHAPE}`;
  const { name, renew } = body as Record<string, unknown>;
  if (name !== undefined) {
    const problem = nameProblem(name);
    if (problem !== undefined) return `"name" ${problem}`;
  }
  if (renew !== undefined && (typeof renew !== 'string' || renew.length > MAX_RENEW_LENGTH))
    return `"renew" must be a token string of at most ${MAX_RENEW_LENGTH} characters`;
  return {
    ...(name === undefined ? {} : { name: name as string }),
    ...(renew === undefined ? {} : { renew: renew as string }),
  };
}

/**
 * POST /auth/guest {name?, renew?} -> {token, userId, name, expiresAt}. With `renew` (a token of ours that
 * is valid or expired no longer ago than a token lives), the new token is for the same guest; a `renew`
 * that is not is refused with 401 UNAUTHORIZED, so a client learns to start over as a new guest. Answers CORS preflights, so a page served
 * from another origin (a CDN, another port) can get a token; `allowedOrigins` narrows that like it does
 * for WebSocket upgrades. No cookies are involved, so echoing the origin grants nothing beyond a guest token.
 * `admit` is asked once per POST, before its body is read: 0 lets it on, a wait in ms refuses it with 429
 * RATE_LIMITED and that wait as `Retry-After` (preflights take nothing).
 */
export async function handleGuestTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: GuestTokens,
  allowedOrigins?: readonly string[],
  admit: () => number = () => 0,
): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // Echoed for an origin `allowedOrigins` refuses too, preflight included, so that its page can read
    // the refusal below: without the header a browser hides the answer ("Failed to fetch"), and the
    // client took the server for down and retried for ever. It grants that origin nothing but the 403.
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'origin');
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    });
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    answerError(res, 405, ErrorCode.INVALID_MESSAGE, 'use POST', { allow: 'POST' });
    return;
  }
  if (origin !== undefined && allowedOrigins && !allowedOrigins.includes(origin)) {
    const named = origin.length > MAX_ORIGIN_SHOWN ? `${origin.slice(0, MAX_ORIGIN_SHOWN)}...` : origin;
    answerError(
      res,
      403,
      ErrorCode.UNAUTHORIZED,
      `origin not allowed: ${named} is not among the server's allowedOrigins`,
    );
    return;
  }
  const waitMs = admit();
  if (waitMs > 0) {
    // The body is left unread: answered, then the connection closes (as for a body too large).
    res.shouldKeepAlive = false;
    answerError(res, 429, ErrorCode.RATE_LIMITED, 'too many guest tokens asked for from your address', {
      'retry-after': String(Math.ceil(waitMs / 1_000)),
      connection: 'close',
    });
    return;
  }
  const text = await readTextBody(req, res, MAX_BODY_BYTES);
  if (text === undefined) return;
  const request = readGuestRequest(text.trim());
  if (typeof request === 'string') {
    answerError(res, 400, ErrorCode.INVALID_MESSAGE, request);
    return;
  }
  const renewing = request.renew;
  const issued = renewing === undefined ? tokens.issue(request.name) : tokens.renew(renewing);
  if (issued === undefined) {
    answerError(res, 401, ErrorCode.UNAUTHORIZED, 'that token cannot be renewed: get a new one');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(issued));
}
