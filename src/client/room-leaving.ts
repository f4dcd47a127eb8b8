import type { Clock } from '../common/index.js';
import { ErrorCode, Kind, ProtocolError } from '../protocol/index.js';
import type { ConnectionState } from './client-events.js';
import type { JoinsUnderWay } from './joins-under-way.js';
import type { RoomConnection } from './room-connection.js';
import type { RoomSeat } from './room-seat.js';
import type { ServerRequests } from './server-requests.js';

/**
 * How long a leave the server refused for too many requests waiting (RATE_LIMITED) waits before it is
 * sent again when this client has no request of its own ahead of it to wait for (ms).
 */
const LEAVE_RETRY_MS = 1_000;

/** What leaving needs of the client: its requests, the joins on their way, its session and its room. */
export interface LeavingClient extends RoomSeat {
  readonly requests: ServerRequests;
  readonly joins: JoinsUnderWay;
  readonly clock: Clock;
  /** The session's player id: another one (or none) is a session the leave was not made in. */
  playerId(): string | undefined;
  state(): ConnectionState;
}

/**
 * Leaving rooms: the leave sent in its turn behind the joins on their way, sent again while the server
 * refuses it as RATE_LIMITED, and the rooms left whose leave the server has not answered yet.
 */
export class RoomLeaving {
  readonly #client: LeavingClient;
  /**
   * Rooms this client has left, by id, whose leave the server has not answered yet (a count each): what
   * they send until then is the old seating's, never that of a join of the same room sent behind the leave.
   */
  readonly #leaving = new Map<string, number>();

  constructor(client: LeavingClient) {
    this.#client = client;
  }

  /** Whether a leave of this room waits for the server's answer: what the room sends is the old seating's. */
  isLeaving(roomId: string): boolean {
    return this.#leaving.has(roomId);
  }

  /**
   * A join's answer could not be read: leave whatever room the server seated us in (see `RoomJoiner`).
   * As any leave, only once the joins sent after it are answered: sent behind one of them, it took the
   * player out of the room that one seats them in. `answered`: that join's own request, not waited for
   * (undefined: it is among the joins on their way, and rejects now). With no other, the leave goes at
   * once, ahead of whatever the app asks on hearing of the failure (a join elsewhere, which it would undo).
   */
  leaveUnreadRoom(answered?: Promise<unknown>): void {
    const client = this.#client;
    const room = client.room();
    client.vacate();
    room?.applyLeft('left', 'joined a room this client cannot read');
    const others =
      answered === undefined
        ? client.joins.requests.size > 1
        : [...client.joins.requests].some((join) => join !== answered);
    if (!others) {
      client.requests.send(Kind.LeaveRoom, {}).catch(() => {});
      return;
    }
    void (async () => {
      if (!(await this.#stillSeatedAfterJoins(answered))) return;
      await client.requests.send(Kind.LeaveRoom, {});
    })().catch(() => {});
  }

  /** A room's `leave()`: gone from the app at once, left on the server in its turn. */
  async leave(room: RoomConnection): Promise<void> {
    const client = this.#client;
    if (room.left) return;
    if (client.room() === room) client.vacate();
    room.applyLeft('left', 'left the room');
    if (client.joins.requests.size > 0 && !(await this.#stillSeatedAfterJoins())) return;
    // Until the server has read the leave, the room goes on sending to this seating: its messages, its
    // members coming and going, a kick that crossed the leave. A join of the same room made meanwhile (to
    // join it anew, as the docs say) took them for its own, being for its room and come before its answer
    // was read through: the old seating's kick failed that join, leaving the player seated there. Marked
    // from the send to the answer's reading (before the frames read behind it: the new seating's news).
    const roomId = room.roomId;
    this.#leaving.set(roomId, (this.#leaving.get(roomId) ?? 0) + 1);
    let done = false;
    const answered = () => {
      if (done) return;
      done = true;
      const left = (this.#leaving.get(roomId) ?? 1) - 1;
      if (left > 0) this.#leaving.set(roomId, left);
      else this.#leaving.delete(roomId);
    };
    try {
      await this.#sendLeave(answered);
    } catch (error) {
      // The session ended before the server answered (it expired while the socket was down, the client
      // moved, gave up or was closed): the seat went with it, or goes when the server's grace runs out.
      // The player is out, as the app asked: a second `leave()` resolves, and so does this one.
      if (!(error instanceof ProtocolError && client.requests.isUnanswered(error))) throw error;
    } finally {
      answered();
    }
  }

  /**
   * Sends a leave, and sends it again while the server refuses it for too many requests waiting their turn
   * (RATE_LIMITED): the room is already gone from the app, so a refusal would leave the player seated on
   * the server for good, which a second `leave()` could not undo. Sent again once the requests ahead of it
   * have been answered (the server's queue has room again), or after LEAVE_RETRY_MS with none. Not sent
   * again when the player is out meanwhile: the session ended, or a join seated it elsewhere (or waits its
   * answer: `#stillSeatedAfterJoins`). `answered`: called as the answer that ends it is read.
   */
  async #sendLeave(answered: () => void): Promise<void> {
    const client = this.#client;
    const playerId = client.playerId();
    for (;;) {
      const ahead = client.requests.waiting();
      try {
        await client.requests.send(Kind.LeaveRoom, {}, (refusedWith) => {
          if (refusedWith !== ErrorCode.RATE_LIMITED) answered();
        });
        return;
      } catch (error) {
        const refused = error instanceof ProtocolError && !client.requests.isUnanswered(error);
        if (!refused || error.code !== ErrorCode.RATE_LIMITED) throw error;
      }
      if (ahead.length > 0) await Promise.allSettled(ahead);
      else await new Promise<void>((resolve) => client.clock.setTimeout(resolve, LEAVE_RETRY_MS));
      if (client.playerId() !== playerId || client.state() === 'closed' || client.room() !== undefined)
        return;
      if (client.joins.requests.size > 0 && !(await this.#stillSeatedAfterJoins())) return;
    }
  }

  /**
   * Whether the session is still seated in the room it was in before the joins now on their way, once
   * they are answered. The server takes a session's requests in order, and a leave takes the player out of
   * whatever room it is in: sent behind a join, it left the room that join seated the player in, while
   * the client went on as seated there. A join that was answered with a seat moved the player out already;
   * a new session has no room. Only if every join was refused is there still a room to leave. `except`:
   * a join not to count (one whose seat is the room to leave).
   */
  async #stillSeatedAfterJoins(except?: Promise<unknown>): Promise<boolean> {
    const client = this.#client;
    const playerId = client.playerId();
    const waited = new Set<Promise<unknown>>(except ? [except] : []);
    for (;;) {
      // Joins made while waiting too: a leave sent now would go behind them as well.
      const joins = [...client.joins.requests].filter((join) => !waited.has(join));
      if (joins.length === 0) return client.playerId() === playerId && client.state() !== 'closed';
      for (const join of joins) waited.add(join);
      const outcomes = await Promise.allSettled(joins);
      if (outcomes.some((outcome) => outcome.status === 'fulfilled')) return false;
    }
  }
}
