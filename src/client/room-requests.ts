import type { Cancel, Clock } from '../common/index.js';
import {
  type Body,
  checkSendOptions,
  checkTimeoutMs,
  DEFAULT_REQUEST_TIMEOUT_MS,
  ErrorCode,
  type Kind,
  MAX_ROOM_REQUESTS_WAITING,
  ProtocolError,
  RoomRequestError,
} from '../protocol/index.js';
import type { RoomSendOptions } from './room-transport.js';

/** How one request travels (as `send` takes it) and how long its reply is waited for. */
export interface RoomRequestOptions extends RoomSendOptions {
  /** ms to wait for the reply before the promise rejects REQUEST_TIMEOUT. Default 10,000. */
  timeoutMs?: number;
}

/** What `Client.stats().requests` counts of the room requests. */
export interface RoomRequestStats {
  /** Requests waiting for their reply now. */
  waiting: number;
  /** Requests that rejected REQUEST_TIMEOUT, since the client was made. */
  timedOut: number;
  /**
   * Replies that found no request waiting, dropped: after their request's timeout or its room's leave,
   * or sent again after a resync (the first of each was taken).
   */
  lateReplies: number;
}

interface Waiting {
  /** Which room asked (see `failOf`). */
  readonly owner: object;
  readonly type: string;
  /** Sent reliable: the server answers it even once the promise has settled (see `#unanswered`). */
  readonly reliable: boolean;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: ProtocolError) => void;
  readonly cancelTimer: Cancel;
}

const LAST_ID = 0xffffffff;

/**
 * The client's room requests waiting for their reply, under ids of the client's own (1 to 2^32 - 1, then
 * again from 1, never one still waiting): one set for every room the client enters, so that a reply
 * for a room left finds no request under its id, whichever room the client sits in when it comes.
 */
export class RoomRequests {
  readonly #clock: Clock;
  readonly #waiting = new Map<number, Waiting>();
  /**
   * The ids of reliable requests whose promise has settled without a reply (timed out, or their room left):
   * the server has them (or will, at the resume) and answers each, by the deadline each carries (`w`) at
   * the latest, and until it has they count against MAX_ROOM_REQUESTS_WAITING, as on the server, whose
   * handler may still be running. Freed at once, an
   * honest client whose handlers outlast its timeout went past the server's limit, each request over it a
   * fault, and was cut off. A new session starts both counts afresh.
   */
  readonly #unanswered = new Set<number>();
  #nextId = 1;
  #timedOut = 0;
  #lateReplies = 0;
  /**
   * Whether the server answers requests, as its newest welcome said (`Feature.requests`): undefined when
   * it said nothing, as every server before the welcome's `features` (those with requests answer them).
   */
  serverAnswers: boolean | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get stats(): RoomRequestStats {
    return { waiting: this.#waiting.size, timedOut: this.#timedOut, lateReplies: this.#lateReplies };
  }

  /**
   * Sends request `type` (with `send`, under its id `q` and with `w`, the ms it waits for its reply, which
   * the server holds the request no longer than) for the room `owner`: the promise of its reply.
   * Rejects at once, with nothing sent, for options the send refuses, a `timeoutMs` out of range, a server
   * that says it answers no requests (REQUESTS_UNSUPPORTED: it would only time out), more than
   * MAX_ROOM_REQUESTS_WAITING waiting (RATE_LIMITED, as the server would answer), or what `send` throws
   * (data the server would refuse, a full outbox).
   */
  ask(
    owner: object,
    type: string,
    options: RoomRequestOptions | undefined,
    send: (q: number, options: RoomSendOptions, w: number) => void,
  ): Promise<unknown> {
    let sendOptions: RoomSendOptions;
    let timeoutMs: number;
    try {
      ({ sendOptions, timeoutMs } = splitOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.serverAnswers === false) {
      return Promise.reject(
        new ProtocolError(
          ErrorCode.REQUESTS_UNSUPPORTED,
          `request '${type.slice(0, 64)}': this server answers no requests (its welcome does not list them): it is of an older version`,
        ),
      );
    }
    if (this.#waiting.size + this.#unanswered.size >= MAX_ROOM_REQUESTS_WAITING) {
      return Promise.reject(
        new ProtocolError(
          ErrorCode.RATE_LIMITED,
          `request '${type.slice(0, 64)}': ${MAX_ROOM_REQUESTS_WAITING} requests are waiting for their replies already (timed out ones too, until their reply comes)`,
        ),
      );
    }
    // An expiring or volatile request may never reach the server: nothing to wait for once it times out.
    const reliable = (sendOptions.class ?? 'reliable') === 'reliable';
    const q = this.#takeId();
    return new Promise((resolve, reject) => {
      const cancelTimer = this.#clock.setTimeout(() => {
        if (this.#waiting.get(q)?.cancelTimer !== cancelTimer) return;
        this.#waiting.delete(q);
        if (reliable) this.#unanswered.add(q);
        this.#timedOut++;
        reject(
          new ProtocolError(
            ErrorCode.REQUEST_TIMEOUT,
            `no reply to '${type.slice(0, 64)}' within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#waiting.set(q, { owner, type, reliable, resolve, reject, cancelTimer });
      try {
        send(q, sendOptions, Math.ceil(timeoutMs));
      } catch (error) {
        this.#waiting.delete(q);
        cancelTimer();
        reject(error);
      }
    });
  }

  /** A RoomReply: settles the request it names; one that names none waiting is dropped and counted. */
  reply(body: Body<typeof Kind.RoomReply>): void {
    const waiting = this.#waiting.get(body.q);
    if (waiting === undefined) {
      this.#unanswered.delete(body.q);
      this.#lateReplies++;
      return;
    }
    this.#waiting.delete(body.q);
    waiting.cancelTimer();
    if (body.ok) waiting.resolve(body.d);
    else waiting.reject(new RoomRequestError(body.code, body.message, body.reason));
  }

  /** The room `owner` is left: each of its requests waiting rejects with `code`, `why` said. */
  failOf(owner: object, code: ErrorCode, why: string): void {
    for (const [q, waiting] of this.#waiting) {
      if (waiting.owner !== owner) continue;
      this.#fail(q, waiting, code, why);
      if (waiting.reliable) this.#unanswered.add(q);
    }
  }

  /** The session ended: every request waiting rejects with `code`. */
  failAll(code: ErrorCode, why: string): void {
    for (const [q, waiting] of this.#waiting) this.#fail(q, waiting, code, why);
    this.#unanswered.clear();
  }

  #fail(q: number, waiting: Waiting, code: ErrorCode, why: string): void {
    this.#waiting.delete(q);
    waiting.cancelTimer();
    waiting.reject(new ProtocolError(code, `no reply to '${waiting.type.slice(0, 64)}': ${why}`));
  }

  /** The next id not waiting (at most MAX_ROOM_REQUESTS_WAITING are: the search is short). */
  #takeId(): number {
    let q = this.#nextId;
    while (this.#waiting.has(q) || this.#unanswered.has(q)) q = q >= LAST_ID ? 1 : q + 1;
    this.#nextId = q >= LAST_ID ? 1 : q + 1;
    return q;
  }
}

/** `timeoutMs` apart from the send options (checked as `send` checks them), or INVALID_MESSAGE. */
function splitOptions(options: RoomRequestOptions | undefined): {
  sendOptions: RoomSendOptions;
  timeoutMs: number;
} {
  if (options === undefined || options === null || typeof options !== 'object') {
    checkSendOptions(options); // throws for what is not an object (a callback: socket.io's ack)
    return { sendOptions: {}, timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS };
  }
  const { timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, ...sendOptions } = options;
  checkSendOptions(sendOptions);
  return { sendOptions, timeoutMs: checkTimeoutMs(timeoutMs, 'request options') };
}
