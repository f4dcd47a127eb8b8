import { ErrorCode } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { EndedSessions, endedRefusal } from '../../../src/server/sessions/ended-sessions.js';

const MINUTE = 60_000;

describe('why a session ended, for a resume that comes after', () => {
  it('is told to the session own resume token only, for ten minutes', () => {
    const ended = new EndedSessions();
    ended.add('p1', 'token-1', ErrorCode.TOO_MANY_ERRORS, 0);
    expect(ended.reason('p1', 'token-1', 9 * MINUTE)).toBe(ErrorCode.TOO_MANY_ERRORS);
    expect(ended.reason('p1', 'token-2', MINUTE)).toBeUndefined();
    expect(ended.reason('p2', 'token-1', MINUTE)).toBeUndefined();
    expect(ended.reason('p1', 'token-1', 10 * MINUTE)).toBeUndefined();
  });

  it('keeps at most 4,096, letting the oldest go first', () => {
    const ended = new EndedSessions();
    for (let index = 0; index < 5_000; index++) ended.add(`p${index}`, `t${index}`, 'left', index);
    expect(ended.reason('p0', 't0', 5_000)).toBeUndefined();
    expect(ended.reason('p903', 't903', 5_000)).toBeUndefined();
    expect(ended.reason('p904', 't904', 5_000)).toBe('left');
    expect(ended.reason('p4999', 't4999', 5_000)).toBe('left');
  });

  it('says why in the refusal: the grace period running out apart from every other end', () => {
    expect(endedRefusal(ErrorCode.SESSION_EXPIRED)).toEqual({
      reason: 'expired',
      message: expect.stringMatching(/grace period over/),
    });
    const ends: [Parameters<typeof endedRefusal>[0], RegExp][] = [
      [ErrorCode.TOO_MANY_ERRORS, /cut off .*TOO_MANY_ERRORS/],
      ['left', /its own leave/],
      [ErrorCode.SERVER_SHUTTING_DOWN, /shut down/],
      [ErrorCode.KICKED, /KICKED/],
    ];
    for (const [end, message] of ends) {
      expect(endedRefusal(end)).toEqual({ reason: 'ended', message: expect.stringMatching(message) });
    }
  });
});
