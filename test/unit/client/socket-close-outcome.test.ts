import { describe, expect, it } from 'vitest';
import { type CloseContext, socketCloseOutcome } from '../../../src/client/socket-close-outcome.js';
import { closeCodeFor, ErrorCode } from '../../../src/protocol/index.js';

/** A client with a guest token and `next` as its fallback entry point. */
const guest = (next?: string): CloseContext => ({ fixedToken: false, nextEntryPoint: () => next });
const closedWith = (code: ErrorCode, reason = '') => ({ code: closeCodeFor(code), reason, bye: undefined });
const LIVE_NODE = 'wss://node-2.example/ws';

describe('socketCloseOutcome (what a close means for the session)', () => {
  it('reconnects after a drop that says nothing, or a code it has no rule for', () => {
    expect(socketCloseOutcome({ code: 1006, reason: '', bye: undefined }, guest())).toEqual({
      kind: 'reconnect',
    });
    expect(socketCloseOutcome(closedWith(ErrorCode.HEARTBEAT_TIMEOUT), guest())).toEqual({
      kind: 'reconnect',
    });
  });

  it('ends the session at a close code that retrying cannot help, with the reason or the code', () => {
    for (const code of [
      ErrorCode.PROTOCOL_VERSION_MISMATCH,
      ErrorCode.TOO_MANY_ERRORS,
      ErrorCode.HANDSHAKE_REJECTED,
      ErrorCode.SESSION_REPLACED,
      // The server ended the session on purpose: its goodbye lost, the close code alone says so.
      ErrorCode.SESSION_ENDED,
    ]) {
      expect(socketCloseOutcome(closedWith(code), guest())).toEqual({ kind: 'finish', code, message: code });
    }
    expect(
      socketCloseOutcome(closedWith(ErrorCode.SESSION_REPLACED, 'opened in another tab'), guest()),
    ).toEqual({ kind: 'finish', code: ErrorCode.SESSION_REPLACED, message: 'opened in another tab' });
  });

  it('asks for a new token when the server refuses one, renewing an expired one', () => {
    expect(socketCloseOutcome(closedWith(ErrorCode.UNAUTHORIZED), guest())).toEqual({
      kind: 'new-token',
      expired: false,
    });
    expect(socketCloseOutcome(closedWith(ErrorCode.TOKEN_EXPIRED), guest())).toEqual({
      kind: 'new-token',
      expired: true,
    });
  });

  it("ends the session when the refused token is the app's own string, which cannot be replaced", () => {
    const fixed: CloseContext = { fixedToken: true, nextEntryPoint: () => undefined };
    expect(socketCloseOutcome(closedWith(ErrorCode.TOKEN_EXPIRED), fixed)).toEqual({
      kind: 'finish',
      code: ErrorCode.TOKEN_EXPIRED,
      message: 'the server refused the token',
    });
    expect(socketCloseOutcome(closedWith(ErrorCode.UNAUTHORIZED, 'banned'), fixed)).toEqual({
      kind: 'finish',
      code: ErrorCode.UNAUTHORIZED,
      message: 'banned',
    });
  });

  it('gives the session up when the server no longer holds it', () => {
    expect(socketCloseOutcome(closedWith(ErrorCode.SESSION_EXPIRED), guest())).toEqual({
      kind: 'session-lost',
      message: ErrorCode.SESSION_EXPIRED,
    });
    expect(socketCloseOutcome(closedWith(ErrorCode.RESUME_REJECTED, 'wrong token'), guest())).toEqual({
      kind: 'session-lost',
      message: 'wrong token',
    });
  });

  it('ends the session with the code and message of a goodbye, whatever the close code', () => {
    const bye = { code: ErrorCode.SERVER_SHUTTING_DOWN, message: 'restarting' };
    for (const code of [
      1000,
      1006,
      closeCodeFor(ErrorCode.SESSION_EXPIRED),
      closeCodeFor(ErrorCode.SERVER_DRAINING),
    ]) {
      expect(socketCloseOutcome({ code, reason: 'bye', bye }, guest(LIVE_NODE))).toEqual({
        kind: 'finish',
        code: ErrorCode.SERVER_SHUTTING_DOWN,
        message: 'restarting',
      });
    }
  });

  it('moves a drained client to the node the goodbye names, else to its next entry point', () => {
    const drained = (message: string) => ({
      code: 1001,
      reason: '',
      bye: { code: ErrorCode.SERVER_DRAINING, message },
    });
    expect(socketCloseOutcome(drained(LIVE_NODE), guest('ws://fallback/ws'))).toEqual({
      kind: 'move',
      url: LIVE_NODE,
    });
    expect(socketCloseOutcome(drained(''), guest('ws://fallback/ws'))).toEqual({
      kind: 'move',
      url: 'ws://fallback/ws',
    });
    // A close code that says the drain, with no goodbye read before it: the next entry point.
    expect(socketCloseOutcome(closedWith(ErrorCode.SERVER_DRAINING), guest('ws://fallback/ws'))).toEqual({
      kind: 'move',
      url: 'ws://fallback/ws',
    });
  });

  it('with nowhere to move, a drain ends the session at its goodbye, and reconnects after its close code alone', () => {
    const goodbye = { code: ErrorCode.SERVER_DRAINING, message: '' };
    expect(socketCloseOutcome({ code: 1001, reason: '', bye: goodbye }, guest())).toEqual({
      kind: 'finish',
      code: ErrorCode.SERVER_DRAINING,
      message: '',
    });
    expect(socketCloseOutcome(closedWith(ErrorCode.SERVER_DRAINING), guest())).toEqual({ kind: 'reconnect' });
  });
});
