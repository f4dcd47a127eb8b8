import { ErrorCode } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { SessionOrigin } from '../../../src/server/sessions/resume-token.js';
import { SessionStore } from '../../../src/server/sessions/session-store.js';

const limits = {
  outboxMessages: 1_024,
  outboxBytes: 1 << 20,
  sendQueueBytes: 1 << 20,
  ackEvery: 32,
  ackDelayMs: 50,
};
const ada = { userId: 'user-ada', name: 'Ada' };
const MINUTE = 60_000;

function store(clock = new ManualClock(0), origin = new SessionOrigin('node-a', 'boot-1')): SessionStore {
  return new SessionStore(clock, limits, origin);
}

describe('SessionStore: what a refused resume is told', () => {
  it('a wrong resume token and the right one on another user are refused apart, the session untouched', () => {
    const sessions = store();
    const session = sessions.create(ada);
    const wrongToken = sessions.claim(session.playerId, `${session.resumeToken}x`, ada);
    expect(wrongToken).toEqual({
      ok: false,
      code: ErrorCode.RESUME_REJECTED,
      message: 'resume token does not match this session',
    });
    // A guest that fetched a new guest token: a new user id, whatever its name.
    const newGuest = sessions.claim(session.playerId, session.resumeToken, { userId: 'user-2', name: 'Ada' });
    expect(newGuest).toMatchObject({ ok: false, code: ErrorCode.RESUME_REJECTED });
    expect(newGuest.ok ? '' : newGuest.message).toMatch(/another user/);
    // Only the token's holder hears that the identity failed: a wrong token on another user hears the token.
    expect(sessions.claim(session.playerId, 'forged', { userId: 'user-2', name: 'M' })).toEqual(wrongToken);
    expect(
      sessions.claim(session.playerId, session.resumeToken, { userId: ada.userId, name: 'Ada L.' }),
    ).toEqual({
      ok: true,
      session,
    });
  });

  it('a session this process never had is not said to have ended by its grace period', () => {
    const sessions = store();
    const neverHad =
      'this server never had that session (it began on another server, or before a restart): join again';
    // A token with no origin: none of this process's (they all carry one).
    expect(sessions.claim('NeverExisted1234', 'xyz', ada)).toEqual({
      ok: false,
      code: ErrorCode.SESSION_EXPIRED,
      message: neverHad,
      reason: 'unknown',
    });
    const elsewhere = store(new ManualClock(0), new SessionOrigin('node-b', 'boot-1')).create(ada);
    expect(sessions.prove(elsewhere.playerId, elsewhere.resumeToken)).toMatchObject({
      message: neverHad,
      reason: 'unknown',
    });
  });

  it('a session of an earlier process of this node is said to have died with the restart', () => {
    const before = store(new ManualClock(0), new SessionOrigin('node-a', 'boot-1')).create(ada);
    expect(
      store(new ManualClock(0), new SessionOrigin('node-a', 'boot-2')).claim(
        before.playerId,
        before.resumeToken,
        ada,
      ),
    ).toEqual({
      ok: false,
      code: ErrorCode.SESSION_EXPIRED,
      message: 'this server restarted since the session began: join again',
      reason: 'restarted',
    });
  });

  it('a session that ended here says why while that is kept, then only that it ended', () => {
    const clock = new ManualClock(0);
    const sessions = store(clock);
    const session = sessions.create(ada);
    sessions.delete(session, ErrorCode.SESSION_EXPIRED);
    expect(sessions.claim(session.playerId, session.resumeToken, ada)).toEqual({
      ok: false,
      code: ErrorCode.SESSION_EXPIRED,
      message: 'the session ended (grace period over): join again',
      reason: 'expired',
    });
    clock.advance(10 * MINUTE);
    expect(sessions.claim(session.playerId, session.resumeToken, ada)).toEqual({
      ok: false,
      code: ErrorCode.SESSION_EXPIRED,
      message: 'the session ended on this server, too long ago for it to say why: join again',
      reason: 'ended',
    });
  });

  it('a resume token this process never gave to that player is not said to be of a session that ended', () => {
    const sessions = store();
    const neverGave =
      "this server never gave that resume token to that player (it is made up, altered, or another player's): join again";
    const refused = { ok: false, code: ErrorCode.SESSION_EXPIRED, message: neverGave, reason: 'unknown' };
    const live = sessions.create(ada);
    // A player id this process never had, with a token it made (for another player): its origin is ours.
    expect(sessions.claim('NeverExisted1234', live.resumeToken, ada)).toEqual(refused);
    expect(sessions.prove('NeverExisted1234', live.resumeToken)).toEqual(refused);
    // The origin copied from a real token, the rest made up.
    const origin = live.resumeToken.slice(0, live.resumeToken.indexOf('.'));
    expect(sessions.claim('NeverExisted1234', `${origin}.${'A'.repeat(43)}`, ada)).toEqual(refused);
    // A session that ended here lately, resumed with a token that is not its own.
    const ended = sessions.create(ada);
    sessions.delete(ended, ErrorCode.SESSION_EXPIRED);
    expect(sessions.claim(ended.playerId, live.resumeToken, ada)).toEqual(refused);
  });

  it('a session whose reason was pushed out by newer ones is still told it ended here', () => {
    const sessions = store();
    const first = sessions.create(ada);
    sessions.delete(first, ErrorCode.SESSION_EXPIRED);
    for (let i = 0; i < 4_096; i++) sessions.delete(sessions.create(ada), 'left');
    expect(sessions.claim(first.playerId, first.resumeToken, ada)).toEqual({
      ok: false,
      code: ErrorCode.SESSION_EXPIRED,
      message: 'the session ended on this server, too long ago for it to say why: join again',
      reason: 'ended',
    });
  });
});
