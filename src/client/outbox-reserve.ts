import { MAX_ROOM_REQUESTS_WAITING, type OutboxRoom } from '../protocol/index.js';

/**
 * The largest answer to a room's request that may take the answers' share of the outbox's reserve; a
 * larger one gives its place to a short refusal saying why (OUTBOX_OVERFLOW). Room for a refusal with its
 * type in its words, or a small value (a ready check's `{ready: true}`).
 */
export const MAX_RESERVED_ANSWER_BYTES = 256;

/** A room's leave, and the relay goodbyes of a mesh of sixteen closed twice: each a few dozen bytes. */
const GOODBYES = { messages: 32, bytes: 4 * 1024 };

/**
 * The answers to a room's requests: the server has at most MAX_ROOM_REQUESTS_WAITING owed at once, and
 * the answers it has read stay here until its ack, while it may ask as many more: twice that.
 */
const ANSWERS = {
  messages: 2 * MAX_ROOM_REQUESTS_WAITING,
  bytes: 2 * MAX_ROOM_REQUESTS_WAITING * MAX_RESERVED_ANSWER_BYTES,
};

/**
 * Room past the outbox's limits (`sendSequenced`'s `reserve`) for what a full outbox must not refuse: a
 * goodbye, refused, would leave a peer's link going on with a stream whose other end is closed, or the
 * player seated in a room the app has left; an answer, refused, would leave the room's request owed,
 * which keeps the room from asking more of the player. One pool, as large as both shares.
 */
export const OUTBOX_RESERVE = {
  messages: GOODBYES.messages + ANSWERS.messages,
  bytes: GOODBYES.bytes + ANSWERS.bytes,
};

/**
 * What a sequenced message may take of the reserve: `none` (the app's messages), `answers` (the answers'
 * share only), or `goodbyes` (all of it). Answers stop at their share, however many a server leaves
 * unacked, so a goodbye always finds its own share free; goodbyes, a leave and a mesh's at most, may
 * take all of it.
 */
export type ReserveUse = 'none' | 'answers' | 'goodbyes';

/** How much of the reserve each use may count, as room past the outbox's limits. */
export const RESERVE_SHARES: Readonly<Record<ReserveUse, OutboxRoom>> = {
  none: { messages: 0, bytes: 0 },
  answers: ANSWERS,
  goodbyes: OUTBOX_RESERVE,
};
