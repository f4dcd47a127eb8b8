import { ErrorCode, ProtocolError } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { describeError, problemSentence, problemText } from '../../../game/web/problem-text.js';

/** An error code as the protocol spells it: never for a player's eyes. */
const RAW_CODE = /\b[A-Z]+_[A-Z_]+\b/;
const CODES = [...Object.values(ErrorCode), 'GAVE_UP', 'CLOSED_BY_CLIENT', 'SOMETHING_NEW'];
const MESSAGES = ['', '   ', 'SESSION_EXPIRED', 'ws://10.0.0.2:8080/ws', 'the room is full'];

describe('problemText', () => {
  it('reads well for every code and message: no raw code, no empty brackets, no dangling colon', () => {
    for (const code of CODES) {
      for (const message of MESSAGES) {
        const text = problemSentence(code, message);
        expect(text, `${code} / '${message}'`).not.toMatch(RAW_CODE);
        expect(text).not.toMatch(/\(\s*\)|:\s*[.)]|:\s*$|^\s*\.?$/);
        expect(text).toMatch(/^[A-Z].*\.$/);
      }
    }
  });

  it('says the SERVER_DRAINING end without its message, which is a URL or empty', () => {
    expect(problemText('SERVER_DRAINING', '')).toBe('this server restarted for an update');
    expect(problemText('SERVER_DRAINING', 'ws://10.0.0.2:8080/ws')).toBe(
      'this server restarted for an update',
    );
  });

  it("says a session the server ended as such, with the operator's reason", () => {
    expect(problemSentence('SESSION_ENDED', 'spawn camping')).toBe(
      'The server ended your session (spawn camping).',
    );
  });

  it('adds a message that says more, in brackets', () => {
    expect(problemText('ROOM_FULL', 'the room is locked: its server is shutting down')).toBe(
      'that match is full (the room is locked: its server is shutting down)',
    );
    expect(problemText('SESSION_EXPIRED', 'the session ended (grace period over): join again')).toBe(
      'you were away too long and lost your seat',
    );
  });
});

describe('describeError', () => {
  it('turns a ProtocolError into a sentence without its code', () => {
    expect(describeError(new ProtocolError(ErrorCode.SERVER_DRAINING, ''))).toBe(
      'This server restarted for an update.',
    );
    expect(describeError(new ProtocolError(ErrorCode.ROOM_CODE_INVALID, ''))).toBe('No match has that code.');
  });

  it('never gives an empty text', () => {
    expect(describeError(new Error(''))).toBe('Something went wrong.');
    expect(describeError('')).toBe('Something went wrong.');
    expect(describeError(new Error('boom'))).toBe('Boom');
  });
});
