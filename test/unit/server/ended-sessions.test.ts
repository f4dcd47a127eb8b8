import { ErrorCode } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { EndedSessions, endedMessage } from '../../../src/server/sessions/ended-sessions.js';

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

  it('says why in the refusal message', () => {
    expect(endedMessage(ErrorCode.TOO_MANY_ERRORS)).toMatch(/cut off .*TOO_MANY_ERRORS/);
    expect(endedMessage('left')).toMatch(/its own leave/);
    expect(endedMessage(ErrorCode.SESSION_EXPIRED)).toMatch(/grace period over/);
    expect(endedMessage(ErrorCode.SERVER_SHUTTING_DOWN)).toMatch(/shut down/);
    expect(endedMessage(ErrorCode.KICKED)).toMatch(/KICKED/);
  });
});
