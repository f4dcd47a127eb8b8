import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { type Clock, realClock } from '../../common/index.js';
import { ErrorCode, normalizeName } from '../../protocol/index.js';

export interface GuestTokenOptions {
  /** HMAC-SHA256 key, at least 32 bytes. Processes that share it accept each other's tokens. */
  secret: string | Uint8Array;
  /** Lifetime of an issued token in ms. Default 24 h. */
  ttlMs?: number;
  /**
   * Who the tokens are for: written into each token (its `aud` claim) and required on verification, so a
   * token signed with the same secret for another purpose or another deployment (staging, another game)
   * is refused here. 1 to 128 characters. Default `'guest'`.
   */
  audience?: string;
  clock?: Clock;
}

export interface IssuedGuestToken {
  token: string;
  userId: string;
  name: string;
  /** When the token stops verifying, in `clock.now()` ms. */
  expiresAt: number;
}

export type GuestVerification =
  | { ok: true; identity: { userId: string; name: string } }
  | { ok: false; code: typeof ErrorCode.UNAUTHORIZED | typeof ErrorCode.TOKEN_EXPIRED; message: string };

export const MIN_SECRET_BYTES = 32;
const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_TOKEN_LENGTH = 1024;
const DEFAULT_GUEST_AUDIENCE = 'guest';
export const MAX_AUDIENCE_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// Same look-alike-free alphabet as room codes: guest names get read aloud too.
const SUFFIX_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * Signed, expiring guest identities: `base64url(JSON {sub, name, exp, aud}) . base64url(HMAC-SHA256)`.
 * Stateless, so any process with the secret (and the audience) can verify them.
 */
export class GuestTokens {
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #audience: string;

  constructor(options: GuestTokenOptions) {
    const { secret, ttlMs = DEFAULT_TTL_MS, clock = realClock, audience = DEFAULT_GUEST_AUDIENCE } = options;
    if (typeof secret !== 'string' && !(secret instanceof Uint8Array))
      throw new TypeError('guest token secret must be a string or Uint8Array');
    // Copied so that a caller zeroing or reusing its buffer cannot change our key.
    const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (key.length < MIN_SECRET_BYTES)
      throw new TypeError(`guest token secret must be at least ${MIN_SECRET_BYTES} bytes`);
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new TypeError('guest token ttlMs must be positive');
    if (typeof audience !== 'string' || audience === '' || audience.length > MAX_AUDIENCE_LENGTH)
      throw new TypeError(`guest token audience must be a string of 1 to ${MAX_AUDIENCE_LENGTH} characters`);
    this.#secret = key;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
    this.#audience = audience;
  }

  issue(requestedName?: string): IssuedGuestToken {
    const userId = randomBytes(12).toString('base64url');
    return this.#issueFor(userId, normalizeName(requestedName) || `Guest-${randomSuffix(4)}`);
  }

  /**
   * A new token for the same guest (same user id and name) from a genuine one that has not expired, or
   * expired no longer ago than a token lives: a player whose token ran out while away can still resume
   * their session, which is bound to the user id. Undefined for anything else (forged, malformed, long
   * expired, for another audience or for none).
   */
  renew(token: string): IssuedGuestToken | undefined {
    const read = this.#read(token);
    if (typeof read === 'string' || read.exp + this.#ttlMs <= this.#clock.now()) return undefined;
    return this.#issueFor(read.sub, read.name);
  }

  /** Never throws: anything that is not a genuine, unexpired token is a refusal. */
  verify(token: string): GuestVerification {
    const read = this.#read(token);
    if (typeof read === 'string') return refused(read);
    // Checked only after the signature, so a forger learns nothing from the difference.
    if (read.exp <= this.#clock.now())
      return { ok: false, code: ErrorCode.TOKEN_EXPIRED, message: 'token expired: get a new one' };
    return { ok: true, identity: { userId: read.sub, name: read.name } };
  }

  /**
   * The claims of a token whose signature is ours and whose audience is this one, expired or not; else
   * why not (a refusal message).
   */
  #read(token: string): Claims | string {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return 'malformed token';
    const parts = token.split('.');
    if (parts.length !== 2) return 'malformed token';
    const [payload, signature] = parts as [string, string];
    if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return 'malformed token';
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad token signature';
    const claims = parseClaims(payload);
    if (claims === undefined) return 'malformed token';
    // Signed with our secret, so the claims are as issued: a token from before audiences were written,
    // or one issued for another purpose or deployment that shares the secret.
    if (claims.aud === undefined) return 'token has no audience (issued by an older server): get a new one';
    if (claims.aud !== this.#audience)
      return 'token was issued for another audience: get one from this server';
    return claims;
  }

  #issueFor(userId: string, name: string): IssuedGuestToken {
    const expiresAt = this.#clock.now() + this.#ttlMs;
    const claims: Claims = { sub: userId, name, exp: expiresAt, aud: this.#audience };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${payload}.${this.#sign(payload)}`, userId, name, expiresAt };
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }
}

function refused(message: string): GuestVerification {
  return { ok: false, code: ErrorCode.UNAUTHORIZED, message };
}

function randomSuffix(length: number): string {
  let suffix = '';
  for (let i = 0; i < length; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}

/** What a token says; `aud` is missing only from tokens issued before audiences were written. */
interface Claims {
  sub: string;
  name: string;
  exp: number;
  aud?: string;
}

function parseClaims(payload: string): Claims | undefined {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { sub, name, exp, aud } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '' || typeof name !== 'string' || typeof exp !== 'number')
    return undefined;
  if (!Number.isFinite(exp)) return undefined;
  if (aud === undefined) return { sub, name, exp };
  return typeof aud === 'string' ? { sub, name, exp, aud } : undefined;
}
