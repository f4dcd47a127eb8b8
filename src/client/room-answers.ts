import type { Cancel, Clock } from '../common/index.js';
import {
  type Body,
  DEFAULT_REQUEST_TIMEOUT_MS,
  ErrorCode,
  encodeMessage,
  encodeSendable,
  Kind,
  MAX_REASON_LENGTH,
  MAX_ROOM_REQUESTS_WAITING,
  ProtocolError,
} from '../protocol/index.js';
import { MAX_RESERVED_ANSWER_BYTES, type ReserveUse } from './outbox-reserve.js';

/** How a room's request is answered: the handler's value, or why there is none. */
export type RequestOutcome =
  | { ok: true; value: unknown }
  | { ok: false; code: ErrorCode; message: string; reason?: string };

/**
 * What the answers need of the session: a reliable send, which may take the answers' share of the outbox's
 * reserve (`reserve`: see ReserveUse).
 */
export type AnsweringSession = {
  sendSequenced(inner: Uint8Array, ttlMs?: number, behindWaiting?: boolean, reserve?: ReserveUse): void;
};

/**
 * The rooms' requests to this client (`Room.request` on the server) it owes an answer, by the server's
 * ids: each is answered exactly once, by whoever handles it (its room's handler, or the room's leave), or
 * else with REQUEST_TIMEOUT once the wait it carries (`w`) is over, so that none is left unanswered
 * wherever it was dropped (a room left, a join given up), and a handler that never settles holds the
 * server's place for it no longer than the room waits. A new session starts afresh (its ids are new).
 */
export class RoomAnswers {
  readonly #clock: Clock;
  readonly #session: AnsweringSession;
  /** By request id: what ends its wait. */
  readonly #owed = new Map<number, Cancel>();

  constructor(clock: Clock, session: AnsweringSession) {
    this.#clock = clock;
    this.#session = session;
  }

  /**
   * A request arrived (`w`: the room's wait, ms): owed from now on. False when it is not to be handled:
   * an id owed already (the server never asks twice under one), or MAX_ROOM_REQUESTS_WAITING owed (the
   * server asks no more of an honest client: it counts them too), then answered RATE_LIMITED at once.
   */
  take(body: Body<typeof Kind.ServerRoomMessage> & { q: number }): boolean {
    const { q } = body;
    if (this.#owed.has(q)) return false;
    if (this.#owed.size >= MAX_ROOM_REQUESTS_WAITING) {
      this.#send({ q, ok: false, code: ErrorCode.RATE_LIMITED, message: 'too many requests running here' });
      return false;
    }
    const waitMs = body.w ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const type = body.t.slice(0, 64);
    this.#owed.set(
      q,
      this.#clock.setTimeout(() => {
        this.answer(q, {
          ok: false,
          code: ErrorCode.REQUEST_TIMEOUT,
          message: `the player did not answer '${type}' within ${waitMs} ms`,
        });
      }, waitMs),
    );
    return true;
  }

  /**
   * Answers request `q` with `outcome`, unless it is answered already (its wait ended, its room was left):
   * then the outcome is dropped. A value the server would refuse (data msgpack cannot carry, nested too
   * deep, a frame over the server's limit) is answered REQUEST_FAILED instead, saying why, and logged.
   */
  answer(q: number, outcome: RequestOutcome): void {
    const cancel = this.#owed.get(q);
    if (cancel === undefined) return;
    this.#owed.delete(q);
    cancel();
    if (!outcome.ok) {
      const { code, message, reason } = outcome;
      this.#send({ q, ok: false, code, message, ...(reason === undefined ? {} : { reason }) });
      return;
    }
    try {
      this.#send({ q, ok: true, ...(outcome.value === undefined ? {} : { d: outcome.value }) });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      console.error(`vehikill-net: the answer to the room's request ${q} could not be sent`, error);
      this.#send({
        q,
        ok: false,
        code: ErrorCode.REQUEST_FAILED,
        message: `the player's answer could not be sent: ${error.message}`.slice(0, MAX_REASON_LENGTH),
      });
    }
  }

  /** The session ended: nothing is owed to the next one, and no wait is left running. */
  clear(): void {
    for (const cancel of this.#owed.values()) cancel();
    this.#owed.clear();
  }

  /**
   * Sends an answer, reliable (checked as the server will read it). A full outbox (the connection down for
   * long, the app's messages filling it meanwhile) does not drop it: it takes the answers' share of the
   * room held back past the limits, if it is small enough (MAX_RESERVED_ANSWER_BYTES) and the share has
   * room for it, or else a short refusal saying why (OUTBOX_OVERFLOW) takes it. Dropped, the room would
   * wait out its timeout and the request stay owed, keeping the room from asking more; and nothing the app
   * sent is dropped to make room for it. The share is bounded so that a leave or a goodbye always fits.
   */
  #send(body: Body<typeof Kind.RoomReply>): void {
    const inner = encodeSendable(Kind.RoomReply, body, `the answer to request ${body.q}`);
    if (this.#sent(inner, 'none')) return;
    if (inner.length <= MAX_RESERVED_ANSWER_BYTES && this.#sent(inner, 'answers')) return;
    const refusal = encodeMessage(Kind.RoomReply, {
      q: body.q,
      ok: false,
      code: ErrorCode.OUTBOX_OVERFLOW,
      message: "the player's client could not send its answer: its outbox is full (too much waiting to go)",
    });
    if (refusal.length < inner.length && this.#sent(refusal, 'answers')) return;
    // Past the answers' share too: more answers unacked than an honest server leaves owed.
    console.error(`vehikill-net: the answer to the room's request ${body.q} could not be sent (outbox full)`);
  }

  /** Whether `inner` went (false: the outbox is full, past as much of its reserve as `reserve` may take). */
  #sent(inner: Uint8Array, reserve: ReserveUse): boolean {
    try {
      this.#session.sendSequenced(inner, undefined, false, reserve);
      return true;
    } catch (error) {
      if (error instanceof ProtocolError && error.code === ErrorCode.OUTBOX_OVERFLOW) return false;
      throw error;
    }
  }
}
