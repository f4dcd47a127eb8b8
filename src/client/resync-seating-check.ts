import { ErrorCode } from '../protocol/index.js';
import type { RoomConnection } from './room-connection.js';
import type { RoomSeat } from './room-seat.js';
import type { SessionConnection } from './session-connection.js';

/**
 * A resync says where the session sits only by the RoomState of its room, which the server writes with
 * the resume's replay, and not at all when it sits nowhere: put out of the room while its messages to us
 * were lost (a kick, the room closing), its RoomLeft among them, the player went on in a room it was no
 * longer in. Once the server has caught up (everything it wrote with the welcome read), the room we
 * still hold with no RoomState come for it is left, with the reason members a resync finds gone are told
 * with: the real one was lost. A RoomLeft that was replayed has left it already, with its own reason.
 */
export class ResyncSeatingCheck {
  readonly #seat: RoomSeat;
  readonly #session: Pick<SessionConnection, 'afterServerCaughtUp'>;
  /** The room a resync may find we are out of, and whether its RoomState came. */
  #resyncing: { room: RoomConnection; restated: boolean } | undefined;

  constructor(seat: RoomSeat, session: Pick<SessionConnection, 'afterServerCaughtUp'>) {
    this.#seat = seat;
    this.#session = session;
  }

  /** A welcome: a resume's `resync` starts a check; a new session has no room to check. */
  welcomed(fresh: boolean, resync: boolean): void {
    if (fresh) this.#resyncing = undefined;
    else if (resync || this.#resyncing !== undefined) this.#check(resync);
  }

  /** A RoomState came for `room`: the session sits there. */
  restated(room: RoomConnection): void {
    if (this.#resyncing?.room === room) this.#resyncing.restated = true;
  }

  /** `resync`: this welcome's (else an earlier one's check, cut short by a drop, goes on with the replay). */
  #check(resync: boolean): void {
    const room = this.#seat.room();
    if (resync) this.#resyncing = room && { room, restated: false };
    const resyncing = this.#resyncing;
    if (resyncing === undefined) return;
    this.#session.afterServerCaughtUp(() => {
      if (this.#resyncing !== resyncing) return;
      this.#resyncing = undefined;
      if (resyncing.restated || this.#seat.room() !== resyncing.room) return;
      this.#seat.vacate();
      resyncing.room.applyLeft(
        ErrorCode.OUTBOX_OVERFLOW,
        'out of the room: the server put the player out while its messages to this client were lost',
      );
    });
  }
}
