import { createHash, createHmac } from 'node:crypto';
import { ICE_LIMITS } from '../../protocol/messages.js';
import { MIN_TURN_SECRET_CHARS } from './ice-options.js';

/** One STUN or TURN server as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface TurnRestOptions {
  /** TURN URLs, e.g. ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349']. */
  urls: string[];
  /** The `static-auth-secret` coturn shares (its `--use-auth-secret` mode). */
  secret: string;
  /** Lifetime of each issued credential in seconds. Default 3,600. */
  ttlSeconds?: number;
}

/**
 * Time-limited TURN credentials in the TURN REST scheme coturn implements: the username is
 * `<expiry unix seconds>:<user id>` and the password is base64(HMAC-SHA1(secret, username)), so the TURN
 * server can check them without talking to us, and a leaked credential dies on its own.
 *
 * A username must fit the welcome (256 characters). A user id that would not fit (an e-mail address or a
 * token subject can be long) is replaced by `~` and the base64url SHA-256 of it (44 characters): a hash
 * rather than a cut, because ids sharing a long prefix (one issuer's subjects) would be cut to the same
 * name and share their TURN quota and log lines; the hash keeps each user apart, and the same user
 * always gets the same name. Ids that fit stay as they are, readable in TURN logs.
 */
export function turnCredentials(options: TurnRestOptions, userId: string, nowMs: number): IceServer {
  if (options.secret.length < MIN_TURN_SECRET_CHARS) {
    throw new TypeError(`TURN secret must be at least ${MIN_TURN_SECRET_CHARS} characters`);
  }
  const expiry = turnExpirySeconds(options, nowMs);
  let username = `${expiry}:${userId}`;
  if (username.length > ICE_LIMITS.chars) username = `${expiry}:${hashedUserId(userId)}`;
  const credential = createHmac('sha1', options.secret).update(username).digest('base64');
  return { urls: options.urls, username, credential };
}

/** The stand-in for a user id too long for a TURN username. */
export function hashedUserId(userId: string): string {
  return `~${createHash('sha256').update(userId).digest('base64url')}`;
}

/** Lifetime of TURN credentials when `ttlSeconds` is not given. */
export const DEFAULT_TURN_TTL_SECONDS = 3_600;

/** When credentials issued at `nowMs` expire (unix seconds, as the username says). */
function turnExpirySeconds(options: TurnRestOptions, nowMs: number): number {
  return Math.floor(nowMs / 1000) + (options.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS);
}

/** ICE servers as handed to one player, and how long their TURN credentials last. */
export interface IssuedIceServers {
  iceServers: IceServer[];
  /** Milliseconds from issue until the TURN credentials expire; absent without TURN (nothing expires). */
  iceTtlMs?: number;
}

/**
 * The ICE servers one player is given now, with the time their TURN credentials last, so that the
 * client can ask for fresh ones before (each welcome and each refresh issues them anew).
 */
export function issueIceServers(
  staticServers: readonly IceServer[],
  turn: TurnRestOptions | undefined,
  userId: string,
  nowMs: number,
): IssuedIceServers {
  if (!turn) return { iceServers: [...staticServers] };
  const iceTtlMs = Math.max(1, Math.floor(turnExpirySeconds(turn, nowMs) * 1000 - nowMs));
  return { iceServers: [...staticServers, turnCredentials(turn, userId, nowMs)], iceTtlMs };
}

/** The ICE servers one player is given: the static list plus their own TURN credentials, if configured. */
export function iceServersFor(
  staticServers: readonly IceServer[],
  turn: TurnRestOptions | undefined,
  userId: string,
  nowMs: number,
): IceServer[] {
  return turn ? [...staticServers, turnCredentials(turn, userId, nowMs)] : [...staticServers];
}
