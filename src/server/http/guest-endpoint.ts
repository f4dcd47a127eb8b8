import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import type { GuestTokens } from '../auth/guest-tokens.js';
import { readBody } from './read-body.js';

const guestRequest = v.object({ name: v.optional(v.pipe(v.string(), v.maxLength(64))) });

/** POST /auth/guest {name?} -> {token, userId, name, expiresAt}. */
export async function handleGuestTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: GuestTokens,
): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'INVALID_MESSAGE', message: 'use POST' }));
    return;
  }
  let parsed: v.SafeParseResult<typeof guestRequest>;
  try {
    const raw = await readBody(req, 1024);
    const text = new TextDecoder().decode(raw).trim();
    parsed = v.safeParse(guestRequest, text === '' ? {} : JSON.parse(text));
  } catch {
    parsed = { success: false } as v.SafeParseResult<typeof guestRequest>;
  }
  if (!parsed.success) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ code: 'INVALID_MESSAGE', message: 'expected JSON {"name"?: string} under 1 KiB' }),
    );
    return;
  }
  const issued = tokens.issue(parsed.output.name);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(issued));
}
