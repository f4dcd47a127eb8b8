import type { Clock } from '../../src/common/index.js';
import { Session } from '../../src/server/sessions/session.js';

/** A server session on `clock` with no socket (as if away): what it sends waits in its outbox. */
export function bareSession(clock: Clock, playerId = 'pPlayer01'): Session {
  return new Session(playerId, 'token', { userId: `u-${playerId}`, name: 'one' }, clock, {
    outboxMessages: 10_000,
    outboxBytes: 10_000_000,
    sendQueueBytes: 1_000_000,
    ackEvery: 32,
    ackDelayMs: 50,
  });
}
