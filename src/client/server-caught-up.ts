import type { Cancel, Clock, Emitter } from '../common/index.js';
import { ErrorCode, ProtocolError } from '../protocol/index.js';
import type { ClientEvents, ConnectionState } from './client-events.js';

/** How often a wait looks again at the messages the send queue still holds back. */
const HELD_BACK_POLL_MS = 10;

/** What the wait needs of the session. */
export interface CaughtUpSession {
  readonly clock: Clock;
  readonly state: ConnectionState;
  /** Sequenced messages sent but not yet written on the socket (held back by the rate or a backed-up socket). */
  unsent(): number;
  /**
   * Calls `then` once the server has answered a ping written now, or after the caught-up ping already out
   * (never, if the socket goes first).
   */
  afterServerCaughtUp(then: () => void): void;
}

/**
 * Resolves once the server has read, and handed to its room, everything sent on the session before the
 * call: first what the send queue holds back is written (a ping written at once would overtake it), then
 * a ping goes, and the server reads frames in order. Rejects NOT_CONNECTED if the session is not open or
 * stops being open first: a message replayed at a resume may then reach the server after the answer.
 */
export function whenServerCaughtUp(session: CaughtUpSession, events: Emitter<ClientEvents>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (session.state !== 'open') {
      reject(new ProtocolError(ErrorCode.NOT_CONNECTED, `the client is ${session.state}, not open`));
      return;
    }
    let cancelPoll: Cancel | undefined;
    const finish = (error?: ProtocolError) => {
      stopWatching();
      cancelPoll?.();
      if (error) reject(error);
      else resolve();
    };
    const stopWatching = events.on('state', (state) => {
      if (state !== 'open') {
        finish(
          new ProtocolError(ErrorCode.NOT_CONNECTED, `the client went ${state} before the server caught up`),
        );
      }
    });
    const pingOnceWritten = () => {
      cancelPoll = undefined;
      if (session.unsent() > 0) cancelPoll = session.clock.setTimeout(pingOnceWritten, HELD_BACK_POLL_MS);
      else session.afterServerCaughtUp(() => finish());
    };
    pingOnceWritten();
  });
}
