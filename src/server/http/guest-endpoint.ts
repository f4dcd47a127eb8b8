import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import type { GuestTokens } from '../auth/guest-tokens.js';
import { answerTooLarge, readBody } from './read-body.js';

/** Largest request body: a name and a token to renew fit many times over. */
const MAX_BODY_BYTES = 2048;

const guestRequest = v.object({
  name: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** A token of this guest's, perhaps expired: the new one keeps its user id and name (see `renew`). */
  renew: v.optional(v.pipe(v.string(), v.maxLength(1024))),
});

/**
 * POST /auth/guest {name?, renew?} -> {token, userId, name, expiresAt}. With `renew` (a token of ours that
 * is valid or expired no longer ago than a token lives), the new token is for the same guest; a `renew`
 * that is not is refused with 401 UNAUTHORIZED, so a client learns to start over as a new guest. Answers CORS preflights, so a page served
 * from another origin (a CDN, another port) can get a token; `allowedOrigins` narrows that like it does
 * for WebSocket upgrades. No cookies are involved, so echoing the origin grants nothing beyond a guest token.
 */
export async function handleGuestTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: GuestTokens,
  allowedOrigins?: readonly string[],
): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (allowedOrigins && !allowedOrigins.includes(origin)) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'UNAUTHORIZED', message: 'origin not allowed' }));
      return;
    }
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
    res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'INVALID_MESSAGE', message: 'use POST' }));
    return;
  }
  let parsed: v.SafeParseResult<typeof guestRequest>;
  try {
    const raw = await readBody(req, MAX_BODY_BYTES);
    const text = new TextDecoder().decode(raw).trim();
    parsed = v.safeParse(guestRequest, text === '' ? {} : JSON.parse(text));
  } catch (error) {
    if (error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE) {
      answerTooLarge(res, MAX_BODY_BYTES);
      return;
    }
    parsed = { success: false } as v.SafeParseResult<typeof guestRequest>;
  }
  if (!parsed.success) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        code: 'INVALID_MESSAGE',
        message: 'expected JSON {"name"?: string, "renew"?: string} under 2 KiB',
      }),
    );
    return;
  }
  const renewing = parsed.output.renew;
  const issued = renewing === undefined ? tokens.issue(parsed.output.name) : tokens.renew(renewing);
  if (issued === undefined) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'UNAUTHORIZED', message: 'that token cannot be renewed: get a new one' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(issued));
}
