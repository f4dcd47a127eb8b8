import { describe, expect, it } from 'vitest';
import {
  disconnectedText,
  leavingServerText,
  leftMatchText,
  lostMatchText,
  lostSeatText,
  movedText,
  reconnectingText,
  shutdownText,
} from '../../../game/web/overlay/connection-text.js';

const RAW_CODE = /\b[A-Z]+_[A-Z_]+\b/;

describe('reconnectingText', () => {
  it('promises the seat only within the grace period', () => {
    expect(reconnectingText(12, 30_000)).toBe(
      'Connection lost: reconnecting (12 s). Your seat is held for up to 30 s.',
    );
    for (const seconds of [30, 45, 600]) {
      const text = reconnectingText(seconds, 30_000);
      expect(text).toBe(
        `Connection lost: reconnecting (${seconds} s). You have been away longer than the 30 s the server holds a seat: it may be lost.`,
      );
    }
  });

  it('promises nothing when the server holds no seat, or before any welcome', () => {
    expect(reconnectingText(0, 0)).toMatch(/may be lost/);
    expect(reconnectingText(5, undefined)).toBe('Connection lost: reconnecting (5 s).');
  });

  it('says the seat is lost once the server said so, and why, by its reason', () => {
    expect(reconnectingText(3, 30_000, { reason: 'expired' })).toBe(
      'Connection lost: reconnecting (3 s). You were away too long and lost your seat.',
    );
    expect(reconnectingText(3, 30_000, { reason: 'restarted' })).toBe(
      'Connection lost: reconnecting (3 s). The server restarted and lost your seat.',
    );
  });
});

describe('lostSeatText', () => {
  it('blames the player only when they were away past the grace period', () => {
    expect(lostSeatText({ reason: 'expired' })).toBe(
      'You were away too long and lost your seat. Join again from the lobby.',
    );
    expect(lostMatchText({ reason: 'expired' })).toBe(
      'You are out of the match: you were away too long and lost your seat.',
    );
    for (const reason of ['ended', 'restarted', 'unknown', undefined] as const) {
      expect(lostSeatText({ reason }), String(reason)).not.toMatch(/away too long/);
      expect(lostMatchText({ reason }), String(reason)).not.toMatch(/away too long/);
      expect(lostSeatText({ reason })).toMatch(/seat.*\. Join again from the lobby\.$/);
      expect(lostSeatText({ reason })).not.toMatch(RAW_CODE);
    }
  });

  // A server killed and started again within 12 s: the page said the player was away too long.
  it('says a restarted server lost the seat by the reason, whatever the message says', () => {
    const restarted = { message: 'the server is a new process now', reason: 'restarted' } as const;
    expect(lostSeatText(restarted)).toBe(
      'The server restarted and lost your seat. Join again from the lobby.',
    );
    expect(lostMatchText(restarted)).toBe(
      'You are out of the match: the server restarted and lost your seat.',
    );
    // No record of the session (a restart of a node with no fixed id, or another node): not said to be
    // the player's doing, nor said for certain to be a restart. Its message names no restart.
    const unknown = { message: 'no such session here', reason: 'unknown' } as const;
    expect(lostSeatText(unknown)).toBe(
      'The server no longer knew your session (it may have restarted), and your seat is lost. Join again from the lobby.',
    );
    // And a message that speaks of a restart does not outweigh the reason.
    const expired = { message: 'restarted? no: the grace period ran out', reason: 'expired' } as const;
    expect(lostSeatText(expired)).toMatch(/^You were away too long/);
  });
});

describe('server leaving', () => {
  it('says a drain plainly (its message, a URL or empty, is not for players)', () => {
    expect(leavingServerText('SERVER_DRAINING')).toMatch(
      /^This server is restarting: the match finishes, then /,
    );
  });

  it('counts a shutdown down from the seconds its notice gives, and says what happens at zero', () => {
    expect(shutdownText(5)).toBe(
      'This server is shutting down within 5 s: then the match ends and this page is disconnected: connect again once the server is back.',
    );
    expect(shutdownText(1)).toMatch(/^This server is shutting down within 1 s: then the match ends/);
    expect(shutdownText(0)).toBe(
      'This server is shutting down now: the match ends and this page is disconnected: connect again once the server is back.',
    );
    expect(shutdownText(undefined)).toBe(
      'This server is shutting down: the match ends and this page is disconnected: connect again once the server is back.',
    );
    expect(leavingServerText('SERVER_SHUTTING_DOWN')).toBeUndefined();
    expect(leavingServerText('INVALID_MESSAGE')).toBeUndefined();
  });

  it('ends a drain with no other node readably: no empty message, no code', () => {
    const text = disconnectedText('SERVER_DRAINING', '');
    expect(text).toBe('Disconnected: this server restarted for an update. Connect again to play.');
    expect(leftMatchText('SERVER_DRAINING', '')).toBe(
      'You are out of the match: this server restarted for an update.',
    );
    expect(leftMatchText('SESSION_EXPIRED', 'SESSION_EXPIRED')).toBe(
      'You are out of the match: you were away too long and lost your seat.',
    );
    expect(disconnectedText('GAVE_UP', '')).not.toMatch(RAW_CODE);
  });

  it('tells of a move off a drained or silent server, not of following a room', () => {
    expect(movedText('SERVER_DRAINING')).toMatch(/^That server restarted: you are on another server now/);
    expect(movedText('NODE_UNREACHABLE')).toMatch(/^That server stopped answering/);
    expect(movedText('ROOM_ON_OTHER_NODE')).toBeUndefined();
  });
});
