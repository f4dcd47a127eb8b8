import { ErrorCode, Kind, MAX_RESUME_ATTEMPT_AHEAD } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawClient } from '../support/raw-client.js';
import { rawSession } from '../support/raw-session.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/*
 * `Hello.resume.attempt` is bounded: a resume numbered far above the newest the session was resumed with
 * (a bug, or a holder of the token) is refused and leaves the session as it was, so the client's own
 * resumes, numbered one by one, are still taken after it.
 */
let t: TestServer;
afterEach(() => t?.close());

async function session() {
  t = await startServer({ test: TestRoom });
  return rawSession(t);
}

function refusal(raw: RawClient) {
  return raw.received(Kind.Error).map(({ code, message }) => ({ code, message }));
}

function refusalsCounted(): number {
  return (t.server.metrics as CountingMetrics).total('resume_failures_total', {
    code: ErrorCode.RESUME_REJECTED,
  });
}

describe('resume attempt numbers', () => {
  it('refuses one more than the bound above the newest, naming the numbers; the honest resume after it is taken', async () => {
    const { first, resumeOn } = await session();
    const counted = refusalsCounted();
    const tooFar = await resumeOn(MAX_RESUME_ATTEMPT_AHEAD + 1);
    await tooFar.closed;
    expect(refusal(tooFar)).toEqual([
      {
        code: ErrorCode.RESUME_REJECTED,
        message: `resume attempt ${MAX_RESUME_ATTEMPT_AHEAD + 1} is more than ${MAX_RESUME_ATTEMPT_AHEAD} above 0, the newest this session was resumed with`,
      },
    ]);
    const largest = await resumeOn(Number.MAX_SAFE_INTEGER);
    await largest.closed;
    expect(refusal(largest)[0]?.code).toBe(ErrorCode.RESUME_REJECTED);
    expect(refusalsCounted()).toBe(counted + 2);
    // The session is untouched: its socket still open, and the client's next connection resumes it.
    expect(first.closeCode).toBeUndefined();
    const honest = await resumeOn(1);
    await eventually(() => honest.received(Kind.Welcome).length === 1, 'the honest resume welcomed');
    expect(honest.received(Kind.Welcome)[0]?.resumed).toBe(true);
    // And the bound follows the newest: 1 + the bound is taken now, one more would not have been.
    const atTheBound = await resumeOn(1 + MAX_RESUME_ATTEMPT_AHEAD);
    await eventually(() => atTheBound.received(Kind.Welcome).length === 1, 'resumed at the bound');
    atTheBound.socket.close();
  });

  it('refuses a number that is no safe integer, and the session still resumes', async () => {
    const { resumeOn } = await session();
    for (const attempt of [1.5, 2 ** 53, -1]) {
      const bad = await resumeOn(attempt);
      await bad.closed;
      expect(bad.received(Kind.Welcome)).toEqual([]);
      expect(refusal(bad).map(({ code }) => code)).toEqual([ErrorCode.HELLO_REQUIRED]);
    }
    const honest = await resumeOn(1);
    await eventually(() => honest.received(Kind.Welcome).length === 1, 'the honest resume welcomed');
    honest.socket.close();
  });
});
