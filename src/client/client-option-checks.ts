import { isWebSocketUrl } from '../protocol/index.js';
import type { ClientOptions } from './client-options.js';
import type { ServerLinkMode } from './server-link/client-server-link.js';

/**
 * Numeric options and what each may be. A count is a whole number of at least 1; an amount is a finite
 * number above 0 (a delay may be 0, as may the backoff's: reconnect at once). A bad value used to construct fine and then misbehave: NaN attempts
 * never failed over, 0 outbox messages refused every send, a NaN timeout fired at once.
 */
const NUMBERS: readonly [name: string, read: (options: ClientOptions) => unknown, kind: Kind][] = [
  ['maxReconnectAttempts', (o) => o.maxReconnectAttempts, 'attempts'],
  ['failoverAfterAttempts', (o) => o.failoverAfterAttempts, 'count'],
  ['deadServerTimeoutMs', (o) => o.deadServerTimeoutMs, 'amount'],
  ['connectTimeoutMs', (o) => o.connectTimeoutMs, 'amount'],
  ['outboxMessages', (o) => o.outboxMessages, 'count'],
  ['outboxBytes', (o) => o.outboxBytes, 'count'],
  ['ackEvery', (o) => o.ackEvery, 'count'],
  ['ackDelayMs', (o) => o.ackDelayMs, 'delay'],
  ['backoff.baseMs', (o) => o.backoff?.baseMs, 'delay'],
  ['backoff.maxMs', (o) => o.backoff?.maxMs, 'delay'],
];

type Kind = 'count' | 'attempts' | 'amount' | 'delay';

const WANTED: Record<Kind, string> = {
  count: 'an integer of at least 1',
  attempts: 'an integer of at least 0 (0: give up at the first failure), or Infinity',
  amount: 'a finite number above 0',
  delay: 'a finite number of at least 0',
};

function fits(value: unknown, kind: Kind): boolean {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  switch (kind) {
    case 'count':
      return Number.isSafeInteger(value) && value >= 1;
    case 'attempts':
      return value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 0);
    case 'amount':
      return Number.isFinite(value) && value > 0;
    case 'delay':
      return Number.isFinite(value) && value >= 0;
  }
}

/**
 * The longest delay a timer holds (2^31 - 1 ms). An `ackDelayMs` past it is taken as 0 or 1 ms by a timer
 * (a clock of the app's own that hands it to setTimeout), or waited out in steps by the built-in clock:
 * the last few messages of a quiet stream, fewer than `ackEvery`, would never be acked.
 */
const MAX_ACK_DELAY_MS = 2 ** 31 - 1;

const SERVER_LINK_MODES: readonly string[] = ['prefer', 'require', 'off'] satisfies ServerLinkMode[];

/**
 * Options of a kind other than a number, read only once a reconnect or a token is needed: of the wrong
 * type (`backoff: null`, say, from plain JavaScript), they threw out of the socket's close handler at the
 * first drop, leaving the client 'connecting' or 'reconnecting' for ever, `maxReconnectAttempts` or not.
 * A token of neither kind was silently ignored for a guest token.
 */
function checkShapes(options: ClientOptions): void {
  const { backoff, random, token, resumeToken } = options as Record<string, unknown>;
  if (resumeToken !== undefined && typeof resumeToken !== 'string') {
    throw new TypeError(
      `Client option 'resumeToken' must be a string (a client's resumeToken), got ${typeof resumeToken}`,
    );
  }
  if (backoff !== undefined && (typeof backoff !== 'object' || backoff === null || Array.isArray(backoff))) {
    throw new TypeError(
      `Client option 'backoff' must be an object ({ baseMs?, maxMs? }), got ${String(backoff)}`,
    );
  }
  if (random !== undefined && typeof random !== 'function') {
    throw new TypeError(`Client option 'random' must be a function returning [0, 1), got ${String(random)}`);
  }
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function') {
    throw new TypeError(
      `Client option 'token' must be a string or a function returning a promise of one, got ${typeof token}`,
    );
  }
}

/** Refuses client options that cannot work, naming the option (a TypeError at construction). */
export function checkClientOptions(options: ClientOptions): void {
  checkShapes(options);
  for (const [name, read, kind] of NUMBERS) {
    const value = read(options);
    if (value !== undefined && !fits(value, kind)) {
      throw new TypeError(`Client option '${name}' must be ${WANTED[kind]}, got ${String(value)}`);
    }
  }
  if (options.ackDelayMs !== undefined && options.ackDelayMs > MAX_ACK_DELAY_MS) {
    throw new RangeError(
      `Client option 'ackDelayMs' must be a number of ms in 0..${MAX_ACK_DELAY_MS} (what a timer can wait), got ${options.ackDelayMs}`,
    );
  }
  if (options.url !== undefined && !isWebSocketUrl(options.url)) {
    throw new TypeError(`Client option 'url' must be a ws: or wss: URL, got ${String(options.url)}`);
  }
  const link = options.serverLink;
  const mode: unknown = typeof link === 'object' && link !== null ? link.mode : link;
  if (mode !== undefined && !SERVER_LINK_MODES.includes(mode as string)) {
    throw new TypeError(
      `Client option 'serverLink' mode must be one of ${SERVER_LINK_MODES.join(', ')}, got ${String(mode)}`,
    );
  }
  if (typeof link === 'object' && link !== null) {
    const { directQuietMs: quiet, directDeadMs: dead } = link as {
      directQuietMs?: unknown;
      directDeadMs?: unknown;
    };
    if (quiet !== undefined && !(typeof quiet === 'number' && quiet > 0)) {
      throw new RangeError(
        `Client option 'serverLink.directQuietMs' must be a number of ms above 0 (Infinity: never), got ${String(quiet)}`,
      );
    }
    if (dead !== undefined && !(typeof dead === 'number' && Number.isFinite(dead) && dead > 0)) {
      throw new RangeError(
        `Client option 'serverLink.directDeadMs' must be a finite number of ms above 0, got ${String(dead)}`,
      );
    }
  }
  const fallbacks: unknown = options.fallbackUrls;
  if (fallbacks !== undefined) {
    if (!Array.isArray(fallbacks))
      throw new TypeError("Client option 'fallbackUrls' must be an array of URLs");
    for (const url of fallbacks) {
      if (!isWebSocketUrl(url)) {
        throw new TypeError(`Client option 'fallbackUrls' must hold ws: or wss: URLs, got ${String(url)}`);
      }
    }
  }
}
