import type { Cancel, Clock, Disposer } from '../common/index.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  ErrorCode,
  MAX_ROOM_REQUESTS_WAITING,
  RoomError,
} from '../protocol/index.js';
import { EARLY_MESSAGE_MS } from './early-room-messages.js';
import type { RequestOutcome } from './room-answers.js';

/** Answers one of the room's requests: what it returns (or its promise resolves to) is the answer. */
export type RequestHandler<T> = (data: T) => unknown;

interface EarlyRequest {
  readonly q: number;
  readonly type: string;
  readonly data: unknown;
  /** When the room stops waiting for the answer (clock time): see `receive`. */
  readonly deadline: number;
}

/**
 * One room's handlers of its requests to this client (`room.onRequest`), and the requests they are
 * running. A request for a type with no handler is answered UNKNOWN_MESSAGE_TYPE, except early on: what
 * the room asks right as the player is seated comes right behind the join's answer, before the app that
 * awaited the join has registered its handlers, so such a request waits for the first handler of its
 * type, as an early room message does, and is refused once the early time is over. A running request is
 * forgotten once the room has stopped waiting for it (its wait, `w`, is over: RoomAnswers has answered it
 * REQUEST_TIMEOUT then), so that a handler that never settles is not kept until the room is left.
 */
export class RoomRequestHandlers {
  readonly #clock: Clock;
  readonly #answer: (q: number, outcome: RequestOutcome) => void;
  readonly #joinedAt: number;
  readonly #handlers = new Map<string, RequestHandler<unknown>>();
  /** Requests handed to a handler whose answer has not gone yet, each with what ends its wait. */
  readonly #running = new Map<number, Cancel>();
  /** Requests that came early, before any handler of their type; undefined once the early time is over. */
  #early: EarlyRequest[] | undefined = [];
  #cancelEarly: Cancel | undefined;
  #left = false;

  /** `answer`: sends a request's answer (see RoomAnswers); `joinedAt`: when the join was answered. */
  constructor(clock: Clock, answer: (q: number, outcome: RequestOutcome) => void, joinedAt: number) {
    this.#clock = clock;
    this.#answer = answer;
    this.#joinedAt = joinedAt;
  }

  /**
   * Registers the handler of `type`, in place of any before it (one answer a request); the requests of that
   * type that came early, and that the room still waits for, go to it now. Once the room is left it
   * registers nothing.
   */
  on(type: string, handler: RequestHandler<unknown>): Disposer {
    if (this.#left) return () => {};
    this.#handlers.set(type, handler);
    const early = this.#early?.filter((request) => request.type === type) ?? [];
    if (early.length > 0) this.#early = this.#early?.filter((request) => request.type !== type);
    // One whose wait is over was answered REQUEST_TIMEOUT (by RoomAnswers): the room has given up on it,
    // and the app is not to act on it now.
    const now = this.#clock.now();
    for (const request of early) if (request.deadline > now) this.#run(request, handler);
    return () => {
      if (this.#handlers.get(type) === handler) this.#handlers.delete(type);
    };
  }

  /** Requests handed to a handler whose answer has not gone yet, and whose wait is not over. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * The room's request `q` of `type`: to its handler, kept for one early on, or refused. `waitMs`: how long
   * the room waits for the answer (the request's `w`; a server that says nothing waits as long as
   * RoomAnswers takes it to, DEFAULT_REQUEST_TIMEOUT_MS).
   */
  receive(q: number, type: string, data: unknown, waitMs = DEFAULT_REQUEST_TIMEOUT_MS): void {
    if (this.#left) {
      this.#answer(q, notInRoom());
      return;
    }
    const request = { q, type, data, deadline: this.#clock.now() + waitMs };
    const handler = this.#handlers.get(type);
    if (handler !== undefined) this.#run(request, handler);
    else if (!this.#keepEarly(request)) this.#answer(q, unknownType(type));
  }

  /**
   * The room is left: the requests running or kept are answered NOT_IN_ROOM now (what their handlers
   * return later is dropped), and those that come after are too.
   */
  left(): void {
    this.#left = true;
    this.#cancelEarly?.();
    const unanswered = [...this.#running.keys(), ...(this.#early ?? []).map((request) => request.q)];
    for (const stopWaiting of this.#running.values()) stopWaiting();
    this.#running.clear();
    this.#early = undefined;
    this.#handlers.clear();
    for (const q of unanswered) this.#answer(q, notInRoom());
  }

  #run(request: EarlyRequest, handler: RequestHandler<unknown>): void {
    const { q, type } = request;
    // Past the room's wait the answer is dropped (RoomAnswers told REQUEST_TIMEOUT): nothing to keep.
    const forget = this.#clock.setTimeout(
      () => this.#running.delete(q),
      Math.max(0, request.deadline - this.#clock.now()),
    );
    this.#running.set(q, forget);
    let result: unknown;
    try {
      result = handler(request.data);
    } catch (error) {
      this.#settle(q, failure(type, error));
      return;
    }
    if (!(result instanceof Promise)) {
      this.#settle(q, { ok: true, value: result });
      return;
    }
    result.then(
      (value: unknown) => this.#settle(q, { ok: true, value }),
      (error: unknown) => this.#settle(q, failure(type, error)),
    );
  }

  /**
   * A handler's outcome, sent unless the request was answered meanwhile (its room was left) or its wait
   * is over.
   */
  #settle(q: number, outcome: RequestOutcome): void {
    const forget = this.#running.get(q);
    if (forget === undefined) return;
    this.#running.delete(q);
    forget();
    this.#answer(q, outcome);
  }

  /** Keeps a request no handler takes yet, if it came early enough and there is room; whether it did. */
  #keepEarly(request: EarlyRequest): boolean {
    if (this.#early === undefined) return false;
    const endsIn = this.#joinedAt + EARLY_MESSAGE_MS - this.#clock.now();
    if (endsIn <= 0) {
      this.#endEarly();
      return false;
    }
    if (this.#early.length >= MAX_ROOM_REQUESTS_WAITING) return false;
    this.#early.push(request);
    this.#cancelEarly ??= this.#clock.setTimeout(() => this.#endEarly(), endsIn);
    return true;
  }

  /** The early time is over: what is still kept has no handler, and is refused. */
  #endEarly(): void {
    const kept = this.#early ?? [];
    this.#early = undefined;
    this.#cancelEarly?.();
    for (const request of kept) this.#answer(request.q, unknownType(request.type));
  }
}

function notInRoom(): RequestOutcome {
  return { ok: false, code: ErrorCode.NOT_IN_ROOM, message: 'the player has left the room' };
}

function unknownType(type: string): RequestOutcome {
  return {
    ok: false,
    code: ErrorCode.UNKNOWN_MESSAGE_TYPE,
    message: `the player's client has no handler for '${type.slice(0, 64)}' (room.onRequest)`,
  };
}

/**
 * A handler threw or rejected: a RoomError is the app's answer, told as it says; anything else is its bug,
 * logged here, and the room is told only that the request failed, never the error's words.
 */
function failure(type: string, error: unknown): RequestOutcome {
  if (error instanceof RoomError) {
    return { ok: false, code: ErrorCode.REQUEST_FAILED, message: error.message, reason: error.code };
  }
  console.error(`vehikill-net: the handler of the room's '${type.slice(0, 64)}' request threw`, error);
  return {
    ok: false,
    code: ErrorCode.REQUEST_FAILED,
    message: `the player failed to answer the room's '${type.slice(0, 64)}' request`,
  };
}
