import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../protocol/index.js';
import type { GuestTokens } from './guest-tokens.js';

export interface Identity {
  /** Stable id of the person (guest id or the app's user id); several sessions may share it. */
  userId: string;
  /** Display name shown to other players. */
  name: string;
  /**
   * What else the app knows of the player from its token (roles, a level, a profile: Colyseus's
   * `client.auth`): the session's `client.data` starts as a copy of it. A plain object.
   */
  data?: Record<string, unknown>;
}

export type AuthResult = { ok: true; identity: Identity } | { ok: false; code: ErrorCode; message: string };

/**
 * The app's own authentication plugs in here. Called during the WebSocket upgrade with the request and
 * the token from `?token=` or `Authorization: Bearer`. A refusal reaches the client as its error code;
 * resolve with one rather than rejecting, since a rejection can only be reported as an internal error,
 * as is an answer that takes longer than `authTimeoutMs` (GameServerOptions) or one of another shape
 * (see `checkedAuthResult`).
 */
export interface Authenticator {
  authenticate(request: IncomingMessage, token: string | undefined): Promise<AuthResult>;
}

/** The default: signed guest tokens from POST /auth/guest, checked without any shared state. */
export function guestAuthenticator(tokens: GuestTokens): Authenticator {
  return {
    async authenticate(_request, token) {
      if (token === undefined) return { ok: false, code: ErrorCode.UNAUTHORIZED, message: 'no token' };
      return tokens.verify(token);
    },
  };
}
