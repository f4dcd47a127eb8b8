import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../protocol/index.js';

export interface UpgradeCheckOptions {
  /** The only pathname (query ignored) that may upgrade, e.g. '/ws'. */
  path: string;
  /** When set, only these Origin header values may upgrade; a missing Origin is refused too. */
  allowedOrigins?: readonly string[];
  /** Most entries allowed in Sec-WebSocket-Protocol. Default 4. */
  maxProtocols?: number;
}

export type UpgradeCheck =
  | { ok: true; token: string | undefined }
  | { ok: false; status: number; code: ErrorCode; message: string };

/** Headers that must appear at most once: a repeat is a smuggling or confusion attempt. */
const SINGLE_HEADERS = new Set([
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'origin',
  'authorization',
]);
const DEFAULT_MAX_PROTOCOLS = 4;
const MAX_PROTOCOL_HEADER_LENGTH = 256;
const MAX_TOKEN_LENGTH = 2048;
// 16 bytes in base64 is always 22 significant characters and '=='.
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
/** An HTTP token (RFC 9110, 5.6.2), what a subprotocol name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks an upgrade request before any work is spent on it. Never throws: bad input is a refusal. */
export function checkUpgrade(request: IncomingMessage, options: UpgradeCheckOptions): UpgradeCheck {
  if (request.method !== 'GET') return refuse(405, 'upgrade must be a GET');
  const target = request.url;
  const pathname = upgradePath(target);
  if (target === undefined || pathname === undefined) return refuse(400, 'malformed request target');
  if (pathname !== options.path) return refuse(404, 'no WebSocket endpoint here');

  const raw = request.rawHeaders;
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) return refuse(400, `repeated ${name} header`);
    seen.add(name);
  }

  const headers = request.headers;
  if (single(headers.upgrade)?.trim().toLowerCase() !== 'websocket')
    return refuse(400, 'not a WebSocket upgrade');
  const key = single(headers['sec-websocket-key']);
  if (key === undefined || !KEY_PATTERN.test(key)) return refuse(400, 'missing or invalid Sec-WebSocket-Key');
  if (single(headers['sec-websocket-version']) !== '13') return refuse(426, 'WebSocket version 13 required');
  const protocols = single(headers['sec-websocket-protocol']);
  if (protocols !== undefined) {
    if (protocols.length > MAX_PROTOCOL_HEADER_LENGTH) return refuse(400, 'Sec-WebSocket-Protocol too long');
    const names = protocols.split(',');
    if (names.length > (options.maxProtocols ?? DEFAULT_MAX_PROTOCOLS))
      return refuse(400, 'too many subprotocols');
    // As ws reads the list (RFC 6455 4.1: tokens, comma-separated, each once): one it cannot read it
    // refuses in its handleUpgrade, after the authenticator ran, in text/html and uncounted.
    const trimmed = names.map((name) => name.replace(/^[ \t]+|[ \t]+$/g, ''));
    if (!trimmed.every((name) => TOKEN.test(name)) || new Set(trimmed).size !== trimmed.length)
      return refuse(400, 'invalid Sec-WebSocket-Protocol: comma-separated tokens, each once');
  }
  if (options.allowedOrigins) {
    const origin = single(headers.origin);
    if (origin === undefined || !options.allowedOrigins.includes(origin))
      return refuse(403, 'origin not allowed');
  }
  return findToken(target.slice(pathname.length + 1), single(headers.authorization));
}

/**
 * The path an upgrade's target names (its query cut off), compared as it is, undecoded; undefined for a
 * target in any form but the origin form.
 */
export function upgradePath(target: string | undefined): string | undefined {
  // Origin-form only: `new URL('//host/ws', base)` would read '/ws' out of a path that is not '/ws'.
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return undefined;
  const queryAt = target.indexOf('?');
  return queryAt === -1 ? target : target.slice(0, queryAt);
}

/** `?token=` first, since browsers cannot set headers on a WebSocket; else `Authorization: Bearer`. */
function findToken(query: string, authorization: string | undefined): UpgradeCheck {
  const fromQuery = new URLSearchParams(query).getAll('token');
  if (fromQuery.length > 1) return refuse(400, 'repeated token parameter', ErrorCode.UNAUTHORIZED);
  let token = fromQuery[0];
  if (token === undefined && authorization !== undefined) token = BEARER.exec(authorization)?.[1];
  if (token !== undefined && token.length > MAX_TOKEN_LENGTH)
    return refuse(400, 'token too long', ErrorCode.UNAUTHORIZED);
  // An empty `?token=` is no token, so the authenticator sees one kind of absence.
  return { ok: true, token: token === '' ? undefined : token };
}

/** Node joins most repeated headers into arrays or lists; the raw-header check has refused repeats. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function refuse(
  status: number,
  message: string,
  code: ErrorCode = ErrorCode.HANDSHAKE_REJECTED,
): UpgradeCheck {
  return { ok: false, status, code, message };
}
