/**
 * How far above the newest attempt a session was resumed with (`Hello.resume.attempt`) a resume may be
 * numbered. The server keeps that newest number and refuses a hello numbered at or below it (a delayed
 * hello of a connection the client gave up); unbounded, one hello numbered near 2^53 (a bug, or a holder
 * of the token) left the session refusing every honest resume after it, since the client's count could
 * never pass it. The client counts the connections it opens to resume one session, from 1 (the
 * connection that began it is 0), and never numbers one further than this past the newest resume it was
 * welcomed on (see ResumeAttempts): 65,536 connections is a new one every 55 ms through a whole hour of
 * outage.
 */
export const MAX_RESUME_ATTEMPT_AHEAD = 65_536;
