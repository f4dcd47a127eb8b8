import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { closeCodeFor, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

/*
 * The numbers a client puts on its resume hellos (`resume.attempt`): counted per session from 1, so that
 * however many connections the client opened before, each session's resumes stay within the server's
 * bound (MAX_RESUME_ATTEMPT_AHEAD above the newest it resumed with, 0 at the session's start). Counted
 * over the client's life, a client that had reconnected often began a later session's resumes that far on.
 */
describe('resume attempt numbers', () => {
  it('count up within a session, failed connections included, and start again at 1 in the next', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    const attempts: number[] = [];
    let sessions = 0;
    let refuseConnections = 0;
    let expireNextResume = false;
    server.onMessage = (message) => {
      if (message.kind !== Kind.Hello) return;
      const resume = message.body.resume;
      if (resume === undefined) {
        server.welcome(`aaaaaaaa0${++sessions}`, clock);
        return;
      }
      attempts.push(resume.attempt ?? -1);
      if (refuseConnections > 0) {
        refuseConnections--;
        server.socket?.close(1006, '');
      } else if (expireNextResume) {
        expireNextResume = false;
        server.socket?.close(
          closeCodeFor(ErrorCode.SESSION_EXPIRED),
          'the session ended (grace period over)',
        );
      } else {
        server.welcome(`aaaaaaaa0${sessions}`, clock, { resumed: true });
      }
    };
    const client = server.client(clock, { backoff: { baseMs: 1, maxMs: 1 } });
    const open = async () => {
      for (let i = 0; i < 100 && client.state !== 'open'; i++) {
        clock.advance(1);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      expect(client.state).toBe('open');
    };
    await client.connect();
    // Three drops, the second's first two connections dropped before their welcome.
    for (const failing of [0, 2, 0]) {
      refuseConnections = failing;
      server.socket?.close(1006, '');
      await open();
    }
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    // The next resume finds the session gone: a fresh session, whose resumes count from 1 again.
    expireNextResume = true;
    server.socket?.close(1006, '');
    await open();
    expect(client.playerId).toBe('aaaaaaaa02');
    attempts.length = 0;
    server.socket?.close(1006, '');
    await open();
    expect(attempts).toEqual([1]);
    client.close();
  });
});
