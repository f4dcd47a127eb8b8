import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie the login sets for the dashboard page. */
export const ADMIN_COOKIE = 'vehikill_admin';

/**
 * Checks the admin token, in constant time, from `Authorization: Bearer` or from the login cookie.
 * The cookie holds an HMAC of the token under a per-process key, not the token itself: a leaked cookie
 * dies with the process, and the token never sits in a browser's cookie jar.
 */
export class AdminAuth {
  readonly #tokenDigest: Buffer;
  readonly #cookieKey = randomBytes(32);
  readonly #cookieValue: string;

  constructor(token: string) {
    if (token.length < 16) throw new TypeError('adminToken must be at least 16 characters');
    // The bearer header's token is read trimmed and a form's password field keeps no line break: a token
    // with either around it (a secret file's last newline, say) would never let anyone in.
    if (token.trim() !== token)
      throw new TypeError('adminToken must have no spaces or line breaks around it');
    this.#tokenDigest = digest(token);
    this.#cookieValue = createHmac('sha256', this.#cookieKey).update(token).digest('base64url');
  }

  /** True when `candidate` is the token. */
  matches(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate === '') return false;
    // Digests have one length whatever was sent, so the comparison reveals nothing through its timing.
    return timingSafeEqual(digest(candidate), this.#tokenDigest);
  }

  /** Bearer token or login cookie. */
  allows(req: IncomingMessage): boolean {
    const bearer = bearerToken(req);
    if (bearer !== undefined) return this.matches(bearer);
    const cookie = cookieValue(req.headers.cookie, ADMIN_COOKIE);
    return cookie !== undefined && timingSafeEqual(digest(cookie), digest(this.#cookieValue));
  }

  /**
   * Set-Cookie for a successful login: HttpOnly, SameSite=Strict. Path=/ because the admin routes
   * (`/dashboard`, `/analytics`) share no folder; the cookie is only read there.
   */
  loginCookie(secure: boolean): string {
    return `${ADMIN_COOKIE}=${this.#cookieValue}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}

/** `Bearer`, in any case (an authentication scheme's name is case-insensitive, RFC 9110 11.1), then space. */
const BEARER_SCHEME = /^bearer[ \t]+/i;

/** The token of `req`'s `Authorization: Bearer` header, trimmed; undefined without one. */
function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const scheme = header === undefined ? null : BEARER_SCHEME.exec(header);
  return scheme === null ? undefined : (header as string).slice(scheme[0].length).trim();
}

/** Whether `req` presents a bearer token (right or wrong): a guess, if a wrong one (see TokenGuesses). */
export function presentsBearer(req: IncomingMessage): boolean {
  return bearerToken(req) !== undefined;
}

/** Compares a bearer token on its own (for `/metrics`), in constant time. */
export function bearerMatches(req: IncomingMessage, token: string): boolean {
  const bearer = bearerToken(req);
  return bearer !== undefined && timingSafeEqual(digest(bearer), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
