import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../protocol/index.js';

export interface UpgradeCheckOptions {
  path: string;
  /** When set, only these Origin header values may upgrade. */
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
const MAX_TOKEN_LENGTH = 2048;
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/** Checks an upgrade request before any work is spent on it. Never throws. */
export function checkUpgrade(request: IncomingMessage, options: UpgradeCheckOptions): UpgradeCheck {
  const refuse = (
    status: number,
    message: string,
    code: ErrorCode = ErrorCode.HANDSHAKE_REJECTED,
  ): UpgradeCheck => ({
    ok: false,
    status,
    code,
    message,
  });
  if (request.method !== 'GET') return refuse(405, 'upgrade must be a GET');
  let url: URL;
  try {
    url = new URL(request.url ?? '', 'http://localhost');
  } catch {
    return refuse(400, 'malformed request URL');
  }
  if (url.pathname !== options.path) return refuse(404, 'no WebSocket endpoint here');

  const seen = new Set<string>();
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.has(name)) return refuse(400, `repeated ${name} header`);
    seen.add(name);
  }
  const headers = request.headers;
  if ((headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuse(400, 'not a WebSocket upgrade');
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY_PATTERN.test(key) || Buffer.from(key, 'base64').length !== 16) {
    return refuse(400, 'missing or invalid Sec-WebSocket-Key');
  }
  if (headers['sec-websocket-version'] !== '13') return refuse(426, 'WebSocket version 13 required');
  const protocols = headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const count = protocols.split(',').length;
    if (protocols.length > 256 || count > (options.maxProtocols ?? 4))
      return refuse(400, 'too many subprotocols');
  }
  if (options.allowedOrigins && !options.allowedOrigins.includes(headers.origin ?? '')) {
    return refuse(403, 'origin not allowed');
  }

  let token = url.searchParams.get('token') ?? undefined;
  const authorization = headers.authorization;
  if (token === undefined && authorization?.startsWith('Bearer '))
    token = authorization.slice('Bearer '.length).trim();
  if (token !== undefined && token.length > MAX_TOKEN_LENGTH)
    return refuse(400, 'token too long', ErrorCode.UNAUTHORIZED);
  return { ok: true, token };
}
