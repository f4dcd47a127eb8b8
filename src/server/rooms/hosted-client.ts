import { checkSendOptions } from '../../protocol/index.js';
import type { Session } from '../sessions/session.js';
import { type Admission, type AdmittedLink, type AdmittedLinkHandle, admittedLink } from './admitted-link.js';
import type { RoomClient, SendOptions } from './room-client.js';
import type { RoomHost } from './room-host.js';

/** A player as their room's code sees them (`RoomClient`), for one seating in one room. */
export class HostedClient implements RoomClient {
  /**
   * While the room decides on the join (`onJoin`), what it sends waits for the join's answer; a refused
   * player, or one who has left (or whose room is gone), gets nothing more from this room: a kept
   * reference must not pile messages up for them, nor reach them in the room they are in now.
   */
  #admission: Admission = 'deciding';
  get admission(): Admission {
    return this.#admission;
  }
  set admission(admission: Admission) {
    this.#admission = admission;
    // Over for good (see Admission): what the room added to the player's link comes off it now.
    if (admission === 'refused' || admission === 'left') this.#link?.release();
    // Told once the seating's own steps are done, not from the middle of them: the room's listener runs
    // as its timers would, seeing the player a member (its sends go as any the room makes from now).
    if (admission === 'seated') queueMicrotask(() => this.#link?.seated());
  }
  /**
   * The number of this seating (`Session.seat`). Peer data relayed to this player is stamped with it, not
   * with the session's newest one: the session may already sit in the next room while still listed here.
   */
  membership = 0;
  /** This seating's number in the room (see RoomHost `#seatings`); 0 until seated. */
  seating = 0;
  /** `kick` while the room was still deciding on the join: why, to refuse the join with. */
  kickedWhileDeciding: string | undefined;
  /** Ends the wait for an async `onJoin` still deciding on this player (see RoomHost `#decide`). */
  stopDeciding: (() => void) | undefined;
  /** `link`: the player's link as this seating may use it (see admittedLink). */
  #link: AdmittedLinkHandle | undefined;
  constructor(
    readonly session: Session,
    readonly host: RoomHost,
  ) {}
  get playerId(): string {
    return this.session.playerId;
  }
  get userId(): string {
    return this.session.identity.userId;
  }
  get name(): string {
    return this.session.identity.name;
  }
  get address(): string {
    return this.session.address;
  }
  get data(): Record<string, unknown> {
    return this.session.data;
  }
  get away(): boolean {
    return this.session.awaySince !== undefined;
  }
  get rttMs(): number {
    return this.session.rttMs;
  }
  get link(): AdmittedLink {
    // Always the seating's view of the player's link, even while seated: a room may keep the object, and
    // once the player leaves it must not reach them in the room they are in then. Still deciding, sends are
    // refused until the join is answered, or they would reach the player ahead of it. A refused join is as
    // final as a leave: the room may have heard onLeave (a kick while deciding, the session's end).
    this.#link ??= admittedLink(() => this.admission, this.session.link);
    return this.#link.link;
  }
  send(type: string, data?: unknown, options: SendOptions = {}): void {
    const { messageClass, ttlMs } = checkSendOptions(options);
    const inner = this.host.encodeRoomMessage(type, data, messageClass);
    if (this.admission === 'seated') this.session.sendEncoded(inner, messageClass, ttlMs);
    else if (this.admission === 'deciding') this.session.holdUntilAnswered(inner, messageClass, ttlMs);
  }
}
