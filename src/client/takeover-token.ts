import * as v from 'valibot';
import { playerId, resumeToken } from '../protocol/index.js';

/**
 * What a new client needs to take a session over (`client.resumeToken`, the `resumeToken` option): the
 * session's player id and resume token, and the guest token it was authenticated with when the client
 * fetched its own (a session is resumed only as the user it began as; an app that passes its own `token`
 * authenticates its user again itself). Nothing in it is signed or sealed by the client: the server
 * checks the resume token as it checks every resume, and a made-up or altered one is refused.
 */
export interface TakeoverToken {
  readonly playerId: string;
  readonly resumeToken: string;
  readonly guestToken?: string;
}

/** Marks the format, so that a string of another kind (or of a later format) is told apart. */
const PREFIX = 'vkt1.';
/** Longer than any guest token a server gives (1,024 characters), with room for the rest. */
const MAX_LENGTH = 2_048;

const schema = v.object({
  p: playerId,
  r: resumeToken,
  g: v.optional(v.pipe(v.string(), v.maxLength(1_024))),
});

/** `token` as one string, safe to keep in sessionStorage (base64url: no character needs escaping). */
export function encodeTakeoverToken(token: TakeoverToken): string {
  const fields = { p: token.playerId, r: token.resumeToken, g: token.guestToken };
  const bytes = new TextEncoder().encode(JSON.stringify(fields));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return PREFIX + btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The token `text` holds, or undefined when it is none this client makes (cut short, altered, other). */
export function decodeTakeoverToken(text: string): TakeoverToken | undefined {
  if (!text.startsWith(PREFIX) || text.length > MAX_LENGTH) return undefined;
  const body = text.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  let fields: unknown;
  try {
    const binary = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
    fields = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytesOf(binary)));
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(schema, fields);
  if (!parsed.success) return undefined;
  const { p, r, g } = parsed.output;
  return g === undefined ? { playerId: p, resumeToken: r } : { playerId: p, resumeToken: r, guestToken: g };
}

function bytesOf(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
