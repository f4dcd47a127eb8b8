import { describe, expect, it } from 'vitest';
import { ResumeAttempts } from '../../../src/client/resume-attempts.js';
import { MAX_RESUME_ATTEMPT_AHEAD } from '../../../src/protocol/index.js';

/*
 * The numbers a client puts on its resumes: the server refuses one at or below the newest it resumed the
 * session with, and one more than MAX_RESUME_ATTEMPT_AHEAD above it.
 */
describe('ResumeAttempts', () => {
  it('counts the connections of one session from 1, each above the one before', () => {
    const attempts = new ResumeAttempts();
    attempts.began();
    expect([attempts.next(), attempts.next(), attempts.next()]).toEqual([1, 2, 3]);
    attempts.welcomed(3);
    expect(attempts.next()).toBe(4);
  });

  it('starts again with each session, however many connections the sessions before it took', () => {
    const attempts = new ResumeAttempts();
    attempts.began();
    for (let i = 0; i < 2 * MAX_RESUME_ATTEMPT_AHEAD; i++) attempts.welcomed(attempts.next());
    attempts.began();
    expect(attempts.next()).toBe(1);
  });

  it('never numbers one more than the bound above the newest welcomed, however many fail', () => {
    const attempts = new ResumeAttempts();
    attempts.began();
    let newestWelcomed = 0;
    let widest = 0;
    let previous = 0;
    let descending = 0;
    for (let i = 0; i < 3 * MAX_RESUME_ATTEMPT_AHEAD; i++) {
      const attempt = attempts.next();
      widest = Math.max(widest, attempt - newestWelcomed);
      if (attempt < previous) descending++;
      previous = attempt;
      // Every 100,000th connection is welcomed; the rest fail before their hello is answered.
      if (i % 100_000 === 99_999) {
        attempts.welcomed(attempt);
        newestWelcomed = attempt;
      }
    }
    expect(widest).toBe(MAX_RESUME_ATTEMPT_AHEAD);
    expect(descending).toBe(0);
  });
});
