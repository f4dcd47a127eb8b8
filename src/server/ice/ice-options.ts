import { ICE_LIMITS } from '../../protocol/messages.js';
import type { IceServer, TurnRestOptions } from './ice-servers.js';

/** Shortest TURN secret accepted: coturn's static-auth-secret is the whole of the credentials' security. */
export const MIN_TURN_SECRET_CHARS = 16;
/** Shortest TURN credential lifetime accepted (s). */
export const MIN_TURN_TTL_SECONDS = 60;

/**
 * Checks the `iceServers` and `turn` options against what a client accepts in its welcome, so that a
 * list clients would refuse (and with it every welcome: no client could connect) fails at start-up with
 * the option named, not at each hello.
 */
export function checkIceOptions(
  iceServers: readonly IceServer[] | undefined,
  turn: TurnRestOptions | undefined,
): void {
  const statics = iceServers ?? [];
  if (!Array.isArray(statics)) throw new TypeError(`GameServer option 'iceServers' must be an array`);
  const total = statics.length + (turn ? 1 : 0);
  if (total > ICE_LIMITS.servers) {
    throw new TypeError(
      `GameServer option 'iceServers' has ${statics.length} servers${turn ? ' and `turn` adds one' : ''}: clients accept at most ${ICE_LIMITS.servers} in all`,
    );
  }
  for (const [index, server] of statics.entries()) checkServer(server, `iceServers[${index}]`);
  if (turn) checkTurn(turn);
}

function checkServer(server: IceServer, name: string): void {
  if (server === null || typeof server !== 'object')
    throw new TypeError(`GameServer option '${name}' must be an object`);
  checkUrls(server.urls, `${name}.urls`);
  for (const field of ['username', 'credential'] as const) {
    const value = server[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > ICE_LIMITS.chars) {
      throw new TypeError(
        `GameServer option '${name}.${field}' must be a string of at most ${ICE_LIMITS.chars} characters`,
      );
    }
  }
}

function checkUrls(urls: unknown, name: string): void {
  const list = Array.isArray(urls) ? urls : [urls];
  if (list.length === 0 || list.length > ICE_LIMITS.urls) {
    throw new TypeError(
      `GameServer option '${name}' must hold 1 to ${ICE_LIMITS.urls} URLs, not ${list.length}`,
    );
  }
  for (const url of list) {
    if (typeof url !== 'string' || url.length > ICE_LIMITS.chars || !ICE_LIMITS.scheme.test(url)) {
      throw new TypeError(
        `GameServer option '${name}' has ${JSON.stringify(url)?.slice(0, 80)}: each URL must start with stun:, stuns:, turn: or turns: and be at most ${ICE_LIMITS.chars} characters`,
      );
    }
  }
}

function checkTurn(turn: TurnRestOptions): void {
  if (!Array.isArray(turn.urls))
    throw new TypeError(`GameServer option 'turn.urls' must be an array of URLs`);
  checkUrls(turn.urls, 'turn.urls');
  if (typeof turn.secret !== 'string' || turn.secret.length < MIN_TURN_SECRET_CHARS) {
    throw new TypeError(
      `GameServer option 'turn.secret' must be at least ${MIN_TURN_SECRET_CHARS} characters`,
    );
  }
  const ttl = turn.ttlSeconds;
  // Clients ask for fresh credentials before expiry: shorter than a minute, they would ask all the time.
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < MIN_TURN_TTL_SECONDS)) {
    throw new TypeError(
      `GameServer option 'turn.ttlSeconds' must be a whole number of seconds, at least ${MIN_TURN_TTL_SECONDS}, got ${String(ttl)}`,
    );
  }
}
