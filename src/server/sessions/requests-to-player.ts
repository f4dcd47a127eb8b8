import type { Cancel, Clock } from '../../common/index.js';
import {
  type Body,
  ErrorCode,
  type Kind,
  MAX_ROOM_REQUESTS_WAITING,
  ProtocolError,
  RoomRequestError,
} from '../../protocol/index.js';

interface Waiting {
  /** Who asked (the room's client object of one seating): see `failOf`. */
  readonly owner: object;
  readonly type: string;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (error: ProtocolError) => void;
  readonly cancelTimer: Cancel;
}

/** What a player's answer (a RoomReply from their client) came to: see `RequestsToPlayer.answer`. */
export type AnswerOutcome = 'answered' | 'late' | 'unexpected';

/** An answer owed: the wait its request carried, and, after a resync, what gives it up (see `forgive`). */
interface Owed {
  readonly waitMs: number;
  giveUp: Cancel | undefined;
}

const LAST_ID = 0xffffffff;

/**
 * How long past its wait an answer still owed at a resync is counted (ms): the client answers each request
 * it has within the wait the request carried, counted from when it got it, and those the resume's replay
 * brings get there within this (a few seconds at most, even over a slow link). Longer only holds the room
 * off a little more when some were lost with what the outbox dropped.
 */
export const RESYNC_ANSWER_MARGIN_MS = 10_000;

/**
 * The rooms' requests to one player (`Room.request`), under ids of the session's own (1, 2, 3, ...): those
 * waiting for the answer, and those whose answer is owed still, the client answering every request it
 * gets exactly once. An answer naming no request asked, or one answered already, is a fault of the client's.
 */
export class RequestsToPlayer {
  /** Whether the player's client answers requests: its hello listed them (`Feature.requests`). */
  answers = false;
  readonly #clock: Clock;
  readonly #waiting = new Map<number, Waiting>();
  /**
   * Asked and not answered yet, waiting or not (timed out, or its seating left): the client answers each
   * within the wait the request carried (a REQUEST_TIMEOUT of its own at the latest), and until it has they
   * count against MAX_ROOM_REQUESTS_WAITING, so that a player whose handlers hang is asked no more.
   */
  readonly #owed = new Map<number, Owed>();
  #nextId = 1;
  /**
   * Ids up to this one may have been lost on their way (a resync, a takeover), their answers given up
   * (see `forgive`): one that comes anyway is late, not a fault.
   */
  #forgivenThrough = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Requests waiting for their answer now. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Sends request `type` for `owner` with `send`, under its id: the promise of the answer, which rejects
   * REQUEST_TIMEOUT after `timeoutMs`. Rejects at once, with nothing sent, for a client that answers no
   * requests (REQUESTS_UNSUPPORTED), MAX_ROOM_REQUESTS_WAITING owed already (RATE_LIMITED), or what `send`
   * throws (data the client would refuse, a frame over the limit).
   */
  ask(owner: object, type: string, timeoutMs: number, send: (q: number) => void): Promise<unknown> {
    const what = `request '${type.slice(0, 64)}'`;
    if (!this.answers) {
      return Promise.reject(
        new ProtocolError(
          ErrorCode.REQUESTS_UNSUPPORTED,
          `${what}: the player's client answers no requests (its hello does not list them): it is of an older version`,
        ),
      );
    }
    if (this.#outstanding() >= MAX_ROOM_REQUESTS_WAITING) {
      return Promise.reject(
        new ProtocolError(
          ErrorCode.RATE_LIMITED,
          `${what}: ${MAX_ROOM_REQUESTS_WAITING} requests to this player are waiting for their answers already (timed out ones too, until their answer comes)`,
        ),
      );
    }
    const q = this.#takeId();
    return new Promise((resolve, reject) => {
      try {
        send(q);
      } catch (error) {
        reject(error);
        return;
      }
      const cancelTimer = this.#clock.setTimeout(() => {
        if (this.#waiting.get(q)?.cancelTimer !== cancelTimer) return;
        this.#waiting.delete(q);
        reject(new ProtocolError(ErrorCode.REQUEST_TIMEOUT, `no answer to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#owed.set(q, { waitMs: timeoutMs, giveUp: undefined });
      this.#waiting.set(q, { owner, type, resolve, reject, cancelTimer });
    });
  }

  /**
   * The player's answer: settles the request it names ('answered'); one owed but no longer waited for
   * (timed out, its seating left, or maybe lost in a resync) is dropped ('late'); one naming a request
   * never asked, or answered already, is 'unexpected', for the caller to count as a fault.
   */
  answer(body: Body<typeof Kind.RoomReply>): AnswerOutcome {
    const { q } = body;
    const waiting = this.#waiting.get(q);
    const owed = this.#owed.get(q);
    owed?.giveUp?.();
    this.#owed.delete(q);
    if (waiting !== undefined) {
      this.#waiting.delete(q);
      waiting.cancelTimer();
      if (body.ok) waiting.resolve(body.d);
      else waiting.reject(new RoomRequestError(body.code, body.message, body.reason));
      return 'answered';
    }
    return owed !== undefined || (q >= 1 && q <= this.#forgivenThrough) ? 'late' : 'unexpected';
  }

  /**
   * The seating `owner` ended (the player left the room, was kicked, the room went): each of its requests
   * waiting rejects with `code`, `why` said. Their answers are still owed: the client answers each as it
   * hears of the leave.
   */
  failOf(owner: object, code: ErrorCode, why: string): void {
    for (const [q, waiting] of this.#waiting) if (waiting.owner === owner) this.#fail(q, waiting, code, why);
  }

  /** The session ended: every request waiting rejects with `code`, and no answer is owed any more. */
  failAll(code: ErrorCode, why: string): void {
    for (const [q, waiting] of this.#waiting) this.#fail(q, waiting, code, why);
    for (const owed of this.#owed.values()) owed.giveUp?.();
    this.#owed.clear();
  }

  /**
   * What was sent to the player may not all have reached their client (a resume with a resync: the outbox
   * dropped messages; a takeover: a new client that got none of what the old one had read): an answer to
   * any request asked so far is taken as late, never a fault. The answers owed still count until they
   * come, as the client still runs those requests (the resume's replay brings the ones it had not got):
   * forgotten, the server would ask more than the client takes, and the client refuse them RATE_LIMITED.
   * But one may never come (its request lost in the drop, or read by a client taken over): each is given up
   * RESYNC_ANSWER_MARGIN_MS past its wait from now, by when the client has answered all it got. Those still
   * waiting go on waiting, for an answer or their timeout.
   */
  forgive(): void {
    this.#forgivenThrough = Math.max(this.#forgivenThrough, this.#nextId - 1);
    for (const [q, owed] of this.#owed) {
      owed.giveUp?.();
      owed.giveUp = this.#clock.setTimeout(() => {
        if (this.#owed.get(q) === owed) this.#owed.delete(q);
      }, owed.waitMs + RESYNC_ANSWER_MARGIN_MS);
    }
  }

  #fail(q: number, waiting: Waiting, code: ErrorCode, why: string): void {
    this.#waiting.delete(q);
    waiting.cancelTimer();
    waiting.reject(new ProtocolError(code, `no answer to request '${waiting.type.slice(0, 64)}': ${why}`));
  }

  /** Requests owed an answer or waiting for one (a forgiven one still waits). */
  #outstanding(): number {
    let count = this.#owed.size;
    for (const q of this.#waiting.keys()) if (!this.#owed.has(q)) count++;
    return count;
  }

  /**
   * The next id. Ids are never taken twice, so that an answer names one request; past 2^32 - 1 they start
   * again from 1 (4 billion requests to one session), and from then on any id may be an old one's: every
   * id is forgiven, and an answer is never taken for a fault.
   */
  #takeId(): number {
    if (this.#nextId > LAST_ID) {
      this.#nextId = 1;
      this.#forgivenThrough = LAST_ID;
    }
    let q = this.#nextId;
    while (this.#waiting.has(q) || this.#owed.has(q)) q = q >= LAST_ID ? 1 : q + 1;
    this.#nextId = q + 1;
    return q;
  }
}
