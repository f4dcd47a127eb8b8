import * as v from 'valibot';
import { isSessionKeepMs, MAX_SESSION_KEEP_MS, sessionLeaveSchema } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

/*
 * `isSessionKeepMs` is the one test of a reload hold that the client's `keepSessionForReload` and the game's
 * session (a hold its room told it) apply before sending: it must take exactly what the server's goodbye
 * schema takes, so that a hold sent is never refused and one refused is never sent.
 */
describe('isSessionKeepMs', () => {
  const goodbye = (keepMs: unknown) =>
    v.safeParse(sessionLeaveSchema, { playerId: 'p1234567', token: 'x'.repeat(43), keepMs }).success;

  it.each([
    [1, true],
    [10_000, true],
    [MAX_SESSION_KEEP_MS, true],
    [0, false],
    [-5, false],
    [MAX_SESSION_KEEP_MS + 1, false],
    [2.5, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
    ['7000', false],
    [null, false],
  ])('%s: %s, as the goodbye schema says', (keepMs, taken) => {
    expect(isSessionKeepMs(keepMs)).toBe(taken);
    expect(goodbye(keepMs)).toBe(taken);
  });
});
