import {
  type Body,
  type BodyKind,
  clientToServerKinds,
  decodeFrame,
  ErrorCode,
  encodeSendable,
  Kind,
  ProtocolError,
} from '../protocol/index.js';
import type { SessionConnection } from './session-connection.js';

const REQUEST_ID_LIMIT = 0xffffffff;

/** How a refusal at the call names each request. */
const requestNames: Partial<Record<BodyKind, string>> = {
  [Kind.ListRooms]: 'listRooms',
  [Kind.WatchRooms]: 'watchRooms',
  [Kind.UnwatchRooms]: 'unwatching rooms',
  [Kind.CreateRoom]: 'create',
  [Kind.JoinRoom]: 'join',
  [Kind.JoinByCode]: 'joinByCode',
  [Kind.QuickPlay]: 'quickPlay',
  [Kind.LeaveRoom]: 'leave',
};

/** Requests whose answer seats the player in a room. */
const joinKinds: ReadonlySet<BodyKind> = new Set([
  Kind.CreateRoom,
  Kind.JoinRoom,
  Kind.JoinByCode,
  Kind.QuickPlay,
]);

/**
 * Called as the answer is read, before the frames read behind it (a promise settles only after them),
 * with the code of a refusal (undefined when the server did what was asked).
 */
export type AnswerRead = (refusedWith?: string) => void;

interface Pending {
  kind: BodyKind;
  resolve(result: unknown): void;
  reject(error: ProtocolError): void;
  answered?: AnswerRead | undefined;
  /** The request's promise, for what waits on it to be answered (see `waiting`). */
  answer?: Promise<unknown>;
}

/** What requests need of the session: whether there is one, and its ordered sends. */
export type RequestSession = Pick<SessionConnection, 'state' | 'sendSequenced'>;

/**
 * The client's requests to the server, each under its own request id (`rid`), which the server's answer
 * (a Response, or an Error that names it) carries back: the promise of each until it is answered, or
 * fails because the session ended, the request could not be sent, or its answer could not be read.
 */
export class ServerRequests {
  readonly #session: RequestSession;
  readonly #pending = new Map<number, Pending>();
  /**
   * The failures of requests whose session ended before they were answered (`failAll`): not the
   * server's answers. One of a move to follow a room has that move's code, ROOM_ON_OTHER_NODE, and is no
   * redirect to follow (see `requestFollowingRedirects`).
   */
  readonly #unanswered = new WeakSet<ProtocolError>();
  #nextRid = 1;

  constructor(session: RequestSession) {
    this.#session = session;
  }

  send(kind: BodyKind, body: Record<string, unknown>, answered?: AnswerRead): Promise<unknown> {
    const state = this.#session.state;
    if (state === 'idle' || state === 'closed') {
      const why = state === 'idle' ? 'call connect() first' : 'the client is closed: connect() again';
      return Promise.reject(new ProtocolError(ErrorCode.NOT_CONNECTED, `no session: ${why}`));
    }
    const rid = this.#nextRid;
    let encoded: Uint8Array;
    try {
      // Checked as the server will read it: a bad argument is the caller's mistake, refused without
      // sending, where the server's refusal would spend the session's fault budget (and end it, repeated).
      encoded = encodeSendable(kind, { ...body, rid } as Body<typeof kind>, requestNames[kind] ?? 'request');
    } catch (error) {
      return Promise.reject(error);
    }
    this.#nextRid = this.#nextRid >= REQUEST_ID_LIMIT ? 1 : this.#nextRid + 1;
    const answer = new Promise((resolve, reject) => {
      this.#pending.set(rid, { kind, resolve, reject, answered });
      try {
        // A leave or a join goes after every message sent before it, even one held back by the rate
        // limit: the server would otherwise move the player out of the room before those reached it.
        // A leave may take the room held back past a full outbox's limits, as a relay goodbye does: the
        // room is gone from the app before it is sent, so refused, it left the player seated on the
        // server for good (a ghost in the room), and a second `leave()` had nothing left to leave.
        const leave = kind === Kind.LeaveRoom;
        this.#session.sendSequenced(
          encoded,
          undefined,
          leave || joinKinds.has(kind),
          leave ? 'goodbyes' : 'none',
        );
      } catch (error) {
        this.#pending.delete(rid);
        reject(error);
      }
    });
    const pending = this.#pending.get(rid);
    if (pending !== undefined) pending.answer = answer;
    return answer;
  }

  /** The promises of the requests waiting for their answer now. */
  waiting(): Array<Promise<unknown> | undefined> {
    return [...this.#pending.values()].map((pending) => pending.answer);
  }

  /** Whether this failure is a session's end before the request was answered, not the server's answer. */
  isUnanswered(error: ProtocolError): boolean {
    return this.#unanswered.has(error);
  }

  /** The server's Response to a request: a response to none is dropped. */
  answer(body: Body<typeof Kind.Response>): void {
    const pending = this.#pending.get(body.rid);
    if (!pending) return;
    this.#pending.delete(body.rid);
    pending.answered?.(body.ok ? undefined : body.code);
    if (body.ok) pending.resolve(body.result);
    else pending.reject(new ProtocolError(body.code, body.message));
  }

  /** An Error from the server: the request it names fails with it. False: it names none waiting. */
  refuse(rid: number | undefined, error: ProtocolError): boolean {
    const pending = rid === undefined ? undefined : this.#pending.get(rid);
    if (!pending || rid === undefined) return false;
    this.#pending.delete(rid);
    pending.answered?.(error.code);
    pending.reject(error);
    return true;
  }

  /** A message the session dropped unsent (over the server's frame limit): a request among them fails. */
  failDropped(inner: Uint8Array, error: ProtocolError): void {
    let rid: unknown;
    try {
      rid = (decodeFrame(inner, clientToServerKinds).message.body as { rid?: unknown }).rid;
    } catch {
      return; // our own encoding: cannot happen
    }
    const pending = typeof rid === 'number' ? this.#pending.get(rid) : undefined;
    if (pending === undefined) return;
    this.#pending.delete(rid as number);
    pending.reject(error);
  }

  /**
   * A frame from the server this client cannot read: the request it answered fails now, not never. A join
   * among them may have seated the player: `leaveUnreadRoom` is called before it fails.
   */
  failUnreadable(error: ProtocolError, leaveUnreadRoom: () => void): void {
    const rid = error.rid;
    const pending = rid === undefined ? undefined : this.#pending.get(rid);
    if (rid === undefined || pending === undefined) return;
    this.#pending.delete(rid);
    const join = joinKinds.has(pending.kind);
    if (join) leaveUnreadRoom();
    const said = join ? ': left the room' : '';
    pending.reject(
      new ProtocolError(error.code, `the server's answer cannot be read (${error.message})${said}`),
    );
  }

  /** The session ended: every request waiting fails with `code`, as unanswered. */
  failAll(code: ErrorCode, message: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) {
      const error = new ProtocolError(code, message);
      this.#unanswered.add(error);
      request.reject(error);
    }
  }
}
