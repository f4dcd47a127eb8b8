/**
 * How far past the newest number its receiver has acked a client may number a sequenced message.
 *
 * Gaps in the client's sequence are legal: an expiring message that died before it was written (the socket
 * was down, or the replay waited for the rate) keeps its number. Nothing else bounds how many die: an
 * expired message frees its place in the outbox, so a client sending expiring messages while away hands
 * out numbers for as long as it is away. The client therefore keeps its numbers within this window of the
 * newest ack it has (see SessionOutput), and the server, whose newest number received is never below the
 * ack it sent, refuses one further past that (an `Inbox` made with this window): taken, a number far ahead
 * would have made everything the client sent after it a duplicate, dropped unheard, for the rest of the
 * session. 65,536 numbers is about 2,000 expiring messages a second dying through the whole of a default
 * 30 s grace period, and a client jumping by it each time needs 2^37 messages to reach the largest number
 * the wire carries.
 */
export const MAX_SEQ_AHEAD = 65_536;
