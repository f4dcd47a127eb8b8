import { createHmac } from 'node:crypto';

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
 */
export function turnCredentials(options: TurnRestOptions, userId: string, nowMs: number): IceServer {
  if (options.secret.length < 16) throw new TypeError('TURN secret must be at least 16 characters');
  const expiry = Math.floor(nowMs / 1000) + (options.ttlSeconds ?? 3_600);
  const username = `${expiry}:${userId}`;
  const credential = createHmac('sha1', options.secret).update(username).digest('base64');
  return { urls: options.urls, username, credential };
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
