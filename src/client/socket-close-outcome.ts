import { ErrorCode, errorCodeForClose, isWebSocketUrl } from '../protocol/index.js';

/** WebSocket close code 1009 (RFC 6455): a frame was larger than the receiver takes. */
export const MESSAGE_TOO_BIG = 1009;

/** Close codes after which retrying cannot help. */
const FATAL: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.PROTOCOL_VERSION_MISMATCH,
  ErrorCode.TOO_MANY_ERRORS,
  ErrorCode.HANDSHAKE_REJECTED,
  ErrorCode.SESSION_REPLACED,
  // Ended by the server on purpose: a fresh session would undo what it meant.
  ErrorCode.SESSION_ENDED,
]);
/** Close codes that refuse the token the socket presented: another one may be let in. */
const REFRESH_TOKEN: ReadonlySet<ErrorCode> = new Set([ErrorCode.UNAUTHORIZED, ErrorCode.TOKEN_EXPIRED]);
/** Close codes that say the server no longer holds the session: it cannot be resumed. */
const SESSION_LOST: ReadonlySet<ErrorCode> = new Set([ErrorCode.SESSION_EXPIRED, ErrorCode.RESUME_REJECTED]);

/** How the current socket closed. */
export interface SocketClose {
  /** The close frame's code and reason. */
  readonly code: number;
  readonly reason: string;
  /** The goodbye the server sent on this socket before closing it, if it sent one. */
  readonly bye: { readonly code: ErrorCode; readonly message: string } | undefined;
}

/** What the outcome turns on besides the close itself. */
export interface CloseContext {
  /** Whether the token is the app's own string, which cannot be replaced when refused. */
  readonly fixedToken: boolean;
  /** The entry point to fail over to, if any: asked only for a drain that names no node. */
  nextEntryPoint(): string | undefined;
}

/** What the session does once its socket closed (the client did not close it). */
export type CloseOutcome =
  /** The server is draining: on to the node it named, or to the next entry point, in a fresh session. */
  | { readonly kind: 'move'; readonly url: string }
  /** Trying again cannot help: the session ends with `code`. */
  | { readonly kind: 'finish'; readonly code: ErrorCode; readonly message: string }
  /** The token was refused: reconnect with a new one (`expired`: TOKEN_EXPIRED, renewed if a guest's). */
  | { readonly kind: 'new-token'; readonly expired: boolean }
  /** The server no longer holds the session: it is lost, and reconnecting begins a fresh one. */
  | { readonly kind: 'session-lost'; readonly message: string }
  /** A drop: reconnect after the backoff, resuming the session. */
  | { readonly kind: 'reconnect' };

/**
 * What a close means for the session, in this order: a drain moves it on (the goodbye's word over the
 * close code's), a goodbye ends it with its own code, then the close code: fatal ones end it, a refused
 * token is replaced (unless the app's own string), a lost session is given up, anything else reconnects.
 */
export function socketCloseOutcome(close: SocketClose, context: CloseContext): CloseOutcome {
  const { bye, reason } = close;
  const errorCode = errorCodeForClose(close.code);
  if (bye?.code === ErrorCode.SERVER_DRAINING || (!bye && errorCode === ErrorCode.SERVER_DRAINING)) {
    // The server is going away for a deploy and names a live node (or we pick another entry point); with
    // neither, what follows decides, as for any other close.
    const named = bye?.message ?? '';
    const url = isWebSocketUrl(named) ? named : context.nextEntryPoint();
    if (url !== undefined) return { kind: 'move', url };
  }
  if (bye) return { kind: 'finish', code: bye.code, message: bye.message };
  if (errorCode === undefined) return { kind: 'reconnect' };
  if (FATAL.has(errorCode)) return { kind: 'finish', code: errorCode, message: reason || errorCode };
  if (REFRESH_TOKEN.has(errorCode)) {
    if (context.fixedToken) {
      return { kind: 'finish', code: errorCode, message: reason || 'the server refused the token' };
    }
    return { kind: 'new-token', expired: errorCode === ErrorCode.TOKEN_EXPIRED };
  }
  if (SESSION_LOST.has(errorCode)) return { kind: 'session-lost', message: reason || errorCode };
  return { kind: 'reconnect' };
}
