import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MAX_SESSION_LEAVE_BYTES, sessionLeaveSchema } from '../../protocol/index.js';
import type { ClientErrorCounter } from '../monitoring/client-errors.js';
import type { ResumeOutcome } from '../sessions/session-store.js';
import { answerError } from './json-answer.js';
import { readJsonRequest } from './json-request.js';
import { readTextBody } from './read-body.js';

const SHAPE =
  '{"playerId": string, "token": string, "keepMs"?: integer 1-600000} (the resume token from the welcome)';

/**
 * POST SESSION_LEAVE_PATH {playerId, token}: ends the session `token` proves at once, through `leave`
 * (the server's), and answers 204; with `keepMs`, holds it for a reload instead (at most that long once
 * its socket is gone, see `Session.holdAtMost`). Sent by a page going away (`Client.closeForUnload`), as a beacon: the
 * answer is read by nobody, so the codes are for operators and for clients that use fetch. A body that is
 * not the shape is 400 INVALID_MESSAGE, one over MAX_SESSION_LEAVE_BYTES 413 MESSAGE_TOO_LARGE (both
 * counted in `bad_input_total`, by source: see ClientErrors); no such session (it ended already, most often by the socket's own clean
 * close arriving first, which is why it is not counted) 404 SESSION_EXPIRED; a wrong token 403
 * RESUME_REJECTED, the session untouched (counted in `resume_failures_total`, as a wrong resume token is).
 *
 * No CORS: a beacon's text/plain POST is a simple request, sent without a preflight, whose answer the
 * page never reads. No origin check: nothing rides along that another origin could borrow (no cookie,
 * no ambient credential); the token in the body is the whole proof. No rate per address either: a
 * token is 256 random bits, past guessing at any rate, and a request costs a map lookup and a
 * constant-time comparison, no more than /healthz, while connections are bounded per address already.
 */
export async function handleSessionLeaveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  leave: (playerId: string, token: string, keepMs: number | undefined) => ResumeOutcome,
  countError: (name: ClientErrorCounter, code: ErrorCode) => void,
): Promise<void> {
  if (req.method !== 'POST') {
    answerError(res, 405, ErrorCode.INVALID_MESSAGE, 'use POST', { allow: 'POST' });
    return;
  }
  const text = await readTextBody(req, res, MAX_SESSION_LEAVE_BYTES, () =>
    countError('bad_input_total', ErrorCode.MESSAGE_TOO_LARGE),
  );
  if (text === undefined) return;
  const request = readJsonRequest(text, sessionLeaveSchema, SHAPE);
  if (typeof request === 'string') {
    countError('bad_input_total', ErrorCode.INVALID_MESSAGE);
    answerError(res, 400, ErrorCode.INVALID_MESSAGE, request);
    return;
  }
  const outcome = leave(request.playerId, request.token, request.keepMs);
  if (outcome.ok) {
    res.writeHead(204, { 'cache-control': 'no-store' });
    res.end();
    return;
  }
  if (outcome.code === ErrorCode.RESUME_REJECTED) {
    countError('resume_failures_total', outcome.code);
    answerError(res, 403, outcome.code, outcome.message);
    return;
  }
  answerError(res, 404, outcome.code, outcome.message);
}
