import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { type Clock, realClock } from '../../common/index.js';
import { ErrorCode } from '../../protocol/index.js';

export interface GuestTokenOptions {
  /** HMAC-SHA256 key, at least 32 bytes. Processes that share it accept each other's tokens. */
  secret: string | Uint8Array;
  /** Lifetime of an issued token in ms. Default 24 h. */
  ttlMs?: number;
  clock?: Clock;
}

export type GuestVerification =
  | { ok: true; identity: { userId: string; name: string } }
  | { ok: false; code: typeof ErrorCode.UNAUTHORIZED | typeof ErrorCode.TOKEN_EXPIRED; message: string };

const MAX_TOKEN_LENGTH = 1024;
const MAX_NAME_LENGTH = 24;

/**
 * Signed, expiring guest identities: `base64url(JSON {sub, name, exp}) . base64url(HMAC-SHA256)`.
 * Stateless, so any process with the secret can verify them.
 */
export class GuestTokens {
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(options: GuestTokenOptions) {
    const secret =
      typeof options.secret === 'string' ? Buffer.from(options.secret) : Buffer.from(options.secret);
    if (secret.length < 32) throw new TypeError('guest token secret must be at least 32 bytes');
    const ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    if (!(ttlMs > 0)) throw new TypeError('guest token ttlMs must be positive');
    this.#secret = secret;
    this.#ttlMs = ttlMs;
    this.#clock = options.clock ?? realClock;
  }

  issue(requestedName?: string): { token: string; userId: string; name: string; expiresAt: number } {
    const userId = `g_${randomBytes(12).toString('base64url')}`;
    const name = sanitizeName(requestedName) || `Guest-${randomInt(1000, 10000)}`;
    const expiresAt = this.#clock.now() + this.#ttlMs;
    const payload = Buffer.from(JSON.stringify({ sub: userId, name, exp: expiresAt })).toString('base64url');
    return { token: `${payload}.${this.#sign(payload)}`, userId, name, expiresAt };
  }

  verify(token: string): GuestVerification {
    const refused = (message: string): GuestVerification => ({
      ok: false,
      code: ErrorCode.UNAUTHORIZED,
      message,
    });
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return refused('malformed token');
    const parts = token.split('.');
    if (parts.length !== 2) return refused('malformed token');
    const [payload, signature] = parts as [string, string];
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return refused('bad token signature');
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return refused('malformed token');
    }
    const { sub, name, exp } = (claims ?? {}) as { sub?: unknown; name?: unknown; exp?: unknown };
    if (typeof sub !== 'string' || typeof name !== 'string' || typeof exp !== 'number')
      return refused('malformed token');
    if (exp <= this.#clock.now())
      return { ok: false, code: ErrorCode.TOKEN_EXPIRED, message: 'token expired: get a new one' };
    return { ok: true, identity: { userId: sub, name } };
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }
}

/** Letters, digits, punctuation and spaces only; trimmed and cut to length. */
export function sanitizeName(raw: string | undefined): string {
  if (raw === undefined) return '';
  return raw
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\p{P}\p{Zs}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH)
    .trim();
}
