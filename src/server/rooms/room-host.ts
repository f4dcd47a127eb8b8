import * as v from 'valibot';
import type { Cancel, Clock } from '../../common/index.js';
import {
  type Body,
  bytesText,
  checkFrameSize,
  checkSendOptions,
  ErrorCode,
  encodeMessage,
  encodeSendable,
  encodeSendableData,
  type JoinedRoom,
  Kind,
  type LeaveReason,
  MAX_REASON_LENGTH,
  type Member,
  type MessageClass,
  ProtocolError,
  RoomError,
  type RoomInfo,
} from '../../protocol/index.js';
import type { Channel } from '../../transport/core.js';
import type { LoopStalls } from '../connection/loop-stalls.js';
import type { MetricsSink } from '../metrics.js';
import type { ListingPatch, Registry, RoomListing } from '../registry/registry.js';
import type { RoomOrder } from '../registry/room-order.js';
import type { Seat, Session } from '../sessions/session.js';
import { ThrottledFailures } from '../throttled-failures.js';
import { exceptedMembers } from './broadcast-except.js';
import { hasStandIns, leaveReasonFor } from './codes-for-older-clients.js';
import { HostedClient } from './hosted-client.js';
import { MemberRelay } from './member-relay.js';
import { RegistrySeats, type SeatAnswer } from './registry-seats.js';
import type { RelayLimits } from './relay-budget.js';
import type { BroadcastOptions, RegisteredHandler, Room, RoomHostPort } from './room.js';
import { handlersOf } from './room.js';
import { type RoomAskOptions, RoomAsks } from './room-asks.js';
import type { RoomClient } from './room-client.js';
import { type RoomClock, RoomTimers } from './room-clock.js';
import { RoomFault } from './room-fault.js';
import { encodeRefusal, encodeReply } from './room-replies.js';
import { safely } from './safely.js';
import { SeatHolds } from './seat-holds.js';
import type { SignalLimits } from './signal-budget.js';

type PresenceKind =
  | typeof Kind.MemberJoined
  | typeof Kind.MemberLeft
  | typeof Kind.MemberAway
  | typeof Kind.MemberBack;

export interface RoomHostContext extends SignalLimits, RelayLimits {
  registry: Registry;
  clock: Clock;
  /** The server's event-loop stalls, which the members' budgets do not hold against them. */
  stalls: LoopStalls;
  metrics: MetricsSink;
  nodeId: string;
  /** Its type's quick-play order, listed with it (see `RoomListing.order`); absent for oldest first. */
  order?: RoomOrder;
  /** An empty room is disposed this long after its last member left. */
  emptyDisposeMs: number;
  /** How long a dropped player's session, and so their seat, is held, unless the room says otherwise. */
  graceMs: number;
  /**
   * The largest frame this node takes from a client (`maxPayloadBytes`), and so the largest it sends one
   * with the app's data: a room message with its frame, or the state `stateFor` returns.
   */
  maxPayloadBytes: number;
  /** Called once the room is gone, so the manager can forget it. */
  onDisposed(roomId: string): void;
  /** The room has just started waiting for its empty-room timer with no one in it or coming in. */
  onVacant(roomId: string): void;
  /** True while the node drains: its rooms stay locked in the listing whatever the app says. */
  isDraining(): boolean;
  /**
   * A registry write about this room failed (the registry was unreachable): the manager puts the listing
   * right at the next heartbeat. `removedRoom`: the failed write was the room's removal.
   */
  onRegistryFailure(removedRoom?: string): void;
  /**
   * An update of this room found the registry without it (lost in a Redis failover, say): the manager
   * writes it again at the next heartbeat if the room is hosted there (not still being created, or gone).
   */
  onUnlisted(roomId: string): void;
}

/** Runs one live room on this node: its members, their messages, its timers and its listing. */
export class RoomHost implements RoomHostPort {
  readonly roomId: string;
  readonly type: string;
  readonly room: Room;
  /** Unlisted: out of listings, lobbies and quick play (`Room.setPrivate` changes it). */
  isPrivate: boolean;
  readonly createdAt: number;
  /** A private room's code: given before `onCreate` (which may show it) and the room's for good. */
  readonly code: string | undefined;
  /** The address block the creation came from (see `Room.creatorAddress`); set before `onCreate`. */
  creatorAddress: string | undefined;
  disposed = false;
  /** Time of the newest member message, for idle disposal. */
  lastActivity = 0;
  /**
   * A member sent on their server link or to a peer since the last idle check. A flag rather than a
   * time: these paths carry every input, and the idle check's period is precise enough.
   */
  #activeOffRoomMessages = false;

  readonly #ctx: RoomHostContext;
  readonly #members = new Map<string, HostedClient>();
  /**
   * Players seated so far, each seating numbered by it (`Member.seating`): a client that missed a member's
   * leave and rejoin (a resync) sees the new number and tells both, where the same id looked unchanged.
   */
  #seatings = 0;
  /** Players whose seat is reserved and whose join the room is still deciding (`onJoin` may be async). */
  readonly #admitting = new Set<string>();
  /** The room's seats in the registry, with the reservations and re-registrations on their way there. */
  readonly #seats: RegistrySeats;
  #cancelEmptyTimer: Cancel | undefined;
  /**
   * Joins under way (`join`): from before the seat reservation to the join's answer. A room with one is
   * not empty: the reservation alone is a registry round trip, long enough for the empty-room timer to run
   * out, and the player would be answered ROOM_NOT_FOUND for a room that was there when they asked.
   */
  #joinsUnderWay = 0;
  /** The empty-room timer ran out while joins were under way: the room goes if still empty once they end. */
  #emptyOverdue = false;
  /**
   * Empty and waiting to go: its empty-room timer runs, ran out during a join (`#emptyOverdue`), or the
   * room keeps itself while empty (`emptyDisposeMs` Infinity: no timer at all).
   */
  #emptyWaiting = false;
  /** What members send each other through the server, within their budgets towards each other. */
  readonly #relay: MemberRelay;
  /** `Room.clock`: the timers the app starts, cancelled when the room goes. */
  readonly #timers: RoomTimers;
  /**
   * Failures of the hooks that may run many times a second (a message's schema or handler, `onLinkMessage`,
   * the room's timers), by hook: one client sending in a loop what makes one throw, or a tick with a bug,
   * must not flood the log.
   */
  readonly #frequentHookFailures = new Map<string, ThrottledFailures>();
  /**
   * Ends the wait of each join whose async `onJoin` is still deciding (see `#decide`): called at disposal,
   * so that the join is answered then.
   */
  readonly #decisionsWaiting = new Set<() => void>();
  /** The away members' seats, held for the room's own window where it set one (`Room.setReconnectionMs`). */
  readonly #seatHolds: SeatHolds;
  /** The room's requests to its members (`Room.request`). */
  readonly #asks: RoomAsks;

  constructor(
    roomId: string,
    type: string,
    code: string | undefined,
    isPrivate: boolean,
    room: Room,
    ctx: RoomHostContext,
  ) {
    this.roomId = roomId;
    this.type = type;
    this.code = code;
    this.isPrivate = isPrivate;
    this.room = room;
    this.#ctx = ctx;
    this.#seats = new RegistrySeats(roomId, ctx.registry, () => ctx.onRegistryFailure());
    this.#relay = new MemberRelay(
      {
        get peerPrivacy() {
          return room.peerPrivacy;
        },
        member: (playerId) => this.#members.get(playerId),
        has: (session) => this.has(session),
        relayed: () => {
          this.#activeOffRoomMessages = true;
        },
      },
      ctx,
    );
    // A timer may run at the room's tick rate: its throws are logged as bounded as those of message hooks.
    this.#timers = new RoomTimers(ctx.clock, (error) => this.#frequentHookFailed('timer', error), ctx.stalls);
    this.createdAt = ctx.clock.now();
    this.lastActivity = this.createdAt;
    this.#seatHolds = new SeatHolds(ctx.clock, ctx.graceMs, (client) => this.#reconnectionExpired(client));
    this.#asks = new RoomAsks({ roomId, maxPayloadBytes: ctx.maxPayloadBytes });
  }

  /** The room's own clock: its timers end with it. */
  get clock(): RoomClock {
    return this.#timers;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  /** Live, with no member (away ones included) and no join under way: no one would miss it. */
  get vacant(): boolean {
    return (
      !this.disposed && this.#members.size === 0 && this.#admitting.size === 0 && this.#joinsUnderWay === 0
    );
  }

  /**
   * Runs a join of this room (`run`: its seat reservation and admission), during which the room is not
   * empty. Once it ends, a room whose empty-room timer ran out meanwhile goes if it is still empty.
   */
  async join<T>(run: () => Promise<T>): Promise<T> {
    this.#joinsUnderWay++;
    try {
      return await run();
    } finally {
      this.#joinsUnderWay--;
      if (this.vacant) {
        if (this.#emptyOverdue) this.dispose(ErrorCode.ROOM_DISPOSED, 'the room was empty');
        // Empty again, waiting for its timer: counted against its creators once more (see onVacant).
        else if (this.#emptyWaiting) this.#ctx.onVacant(this.roomId);
      }
    }
  }

  clients(): readonly RoomClient[] {
    return [...this.#members.values()];
  }

  info(): RoomInfo {
    return {
      roomId: this.roomId,
      type: this.type,
      ...(this.code === undefined ? {} : { code: this.code }),
      private: this.isPrivate,
      clients: this.#members.size,
      maxClients: this.room.maxClients,
      metadata: { ...this.room.metadata },
      nodeId: this.#ctx.nodeId,
    };
  }

  listing(): RoomListing {
    const locked = this.room.locked || this.#ctx.isDraining();
    const order = this.#ctx.order;
    return { ...this.info(), locked, createdAt: this.createdAt, ...(order === undefined ? {} : { order }) };
  }

  /** Players holding a seat here: the members, those being admitted, and those about to be. */
  seatHolders(): string[] {
    return [...new Set([...this.#members.keys(), ...this.#admitting, ...this.#seats.holding])];
  }

  /** Seats taken here or maybe taken in the registry: members, players being admitted, and reservations out. */
  get seatsInUse(): number {
    return this.#seats.inUse(this.seatHolders());
  }

  /** Reserves a seat in the registry for `playerId` (see `RegistrySeats.reserve`). */
  reserveSeat(playerId: string): Promise<SeatAnswer> {
    return this.#seats.reserve(playerId);
  }

  /** Gives a seat back in the registry (a member left, or a join failed after its reservation). */
  releaseSeat(playerId: string): void {
    this.#seats.release(playerId);
  }

  /**
   * Writes the room to the registry again with its seats, reservations on their way included (see
   * `RegistrySeats.rewrite`). Resolves as `Registry.addRoom`.
   */
  reregister(): Promise<boolean> {
    return this.#seats.rewrite(this.listing(), this.seatHolders());
  }

  members(): Member[] {
    return [...this.#members.values()].map(memberOf);
  }

  has(session: Session): boolean {
    return this.#members.get(session.playerId)?.session === session;
  }

  /** Seats a player whose seat is already reserved. Throws ProtocolError(JOIN_REJECTED) if the room says no. */
  async admit(session: Session, options: unknown): Promise<JoinedRoom> {
    // The registry refuses seats in a locked room, but the answer to a seat taken just before the lock may
    // still be on its way (a Redis round trip): a locked room keeps its players and takes no new ones.
    if (this.room.locked) throw new ProtocolError(ErrorCode.ROOM_FULL, 'the room is locked');
    // The registry's seat count is what keeps the limit cluster-wide; this is the last line of defence if
    // it ever drifts (a seat lost in a rewrite): the room never holds more players than its limit.
    if (this.#othersSeated(session.playerId) >= this.room.maxClients) {
      this.#ctx.metrics.count('joins_refused_over_limit_total');
      throw new ProtocolError(ErrorCode.ROOM_FULL, 'the room is full');
    }
    const client = new HostedClient(session, this);
    this.#seats.admitting(session.playerId);
    this.#admitting.add(session.playerId);
    let decided: Promise<void>;
    try {
      ({ decided } = await this.#decide(client, options));
    } catch (error) {
      this.#refuse(client);
      if (isFaultOfCode(error)) this.#reportJoinFault(client, error);
      const message = error instanceof Error ? error.message : 'the room refused the join';
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, message.slice(0, MAX_REASON_LENGTH), { cause: error });
    } finally {
      this.#admitting.delete(session.playerId);
    }
    if (this.disposed) {
      this.#refuse(client);
      throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, 'the room closed during the join');
    }
    // The player's session ended while the room decided (closed, expired): seating it would leave a
    // member with no one behind it, holding its seat for good. The room accepted the player in onJoin,
    // so it hears of the leave, or its own bookkeeping (a vehicle, a roster line) would keep a ghost; with
    // the reason the session ended for, as a member would have heard it ('left' for a clean close).
    if (session.ended) {
      this.#refuse(client);
      const reason = session.endReason ?? ErrorCode.SESSION_EXPIRED;
      this.#leaveOnceDecided(client, decided, reason);
      throw new ProtocolError(ErrorCode.SESSION_EXPIRED, 'the session ended during the join');
    }
    // Kicked while the room decided (its own code, from a timer or another player's message): the kick
    // stands. The room had the player in hand, so it hears the leave, as it would a member's kick.
    const kicked = client.kickedWhileDeciding;
    if (kicked !== undefined) {
      this.#refuse(client);
      this.#leaveOnceDecided(client, decided, ErrorCode.KICKED);
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, kicked);
    }
    this.#cancelEmptyTimer?.();
    this.#cancelEmptyTimer = undefined;
    this.#emptyOverdue = false;
    this.#emptyWaiting = false;
    // Among the room's clients for `stateFor`, but no one is told of the player, and the player's session
    // is not moved, until the answer is known to be sendable: a state the client could not read would
    // leave the join unanswered, or answered with an error while the player kept the seat. Undone here
    // instead: the room hears the player leave (it accepted them in onJoin), and the manager gives the
    // seat back. What the room sends the player meanwhile waits for the answer, as from onJoin.
    this.#members.set(session.playerId, client);
    let state: unknown;
    try {
      state = this.#sendableState(client, 'the join is undone');
    } catch (error) {
      this.#members.delete(session.playerId);
      this.#refuse(client);
      const reason = error instanceof ProtocolError ? error.code : ErrorCode.INTERNAL_ERROR;
      safely(this.#ctx.metrics, 'onLeave', () => this.room.onLeave(client, reason));
      throw error;
    }
    // `stateFor` closed the room (the player heard onLeave among its members) or kicked the player: seated
    // now, they would be a member of a room that is gone, or one the others are told of and the room has not.
    if (this.disposed) {
      this.#refuse(client);
      throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, 'the room closed during the join');
    }
    const kickedByState = client.kickedWhileDeciding;
    if (kickedByState !== undefined) {
      this.#members.delete(session.playerId);
      this.#refuse(client);
      safely(this.#ctx.metrics, 'onLeave', () => this.room.onLeave(client, ErrorCode.KICKED));
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, kickedByState);
    }
    // What onJoin sent still waits for the answer to this join; what the room sends from now goes at once.
    client.admission = 'seated';
    client.membership = session.seat(new MemberSeat(this, client));
    client.seating = ++this.#seatings;
    // The budgets a recent leave left behind are this member's again, and kept while they stay.
    const now = this.#ctx.clock.now();
    this.#relay.seated(session.playerId, now);
    this.#sendToOthers(session, Kind.MemberJoined, { roomId: this.roomId, member: memberOf(client) });
    // Their socket dropped while the room decided: the away went to no room (or to the one they left),
    // and their resume will tell this one they are back.
    if (client.away) this.#away(client);
    return this.#answer(client, state);
  }

  /**
   * Runs `onJoin`; settles as it does, or once the room is disposed, the player's session ends or the room
   * kicks the player if that comes first: the join is then answered at once (see `admit`), and its seat given back. An `onJoin`
   * awaiting what never comes (a round the disposal ends, a service that hangs) left the join unanswered
   * for good, and every later request of the player behind it (requests run one at a time), its seat held
   * and the room never empty, a drain's wait for requests under way too. Resolves with `onJoin`'s own
   * promise, settled or not (in an object: returned as it is, it would be waited for), whose rejection
   * waits for no one (it refuses no one any more).
   */
  async #decide(client: HostedClient, options: unknown): Promise<{ decided: Promise<void> }> {
    const decided = Promise.resolve(this.room.onJoin(client, options));
    decided.catch(() => {});
    if (this.disposed || client.session.ended) return { decided };
    let stopWaiting = (): void => {};
    const interrupted = new Promise<void>((resolve) => {
      stopWaiting = resolve;
    });
    this.#decisionsWaiting.add(stopWaiting);
    const stopHearingEnd = client.session.onEnd(stopWaiting);
    client.stopDeciding = stopWaiting;
    try {
      await Promise.race([decided, interrupted]);
    } finally {
      this.#decisionsWaiting.delete(stopWaiting);
      stopHearingEnd();
      client.stopDeciding = undefined;
    }
    return { decided };
  }

  /**
   * The room hears `onLeave(client, reason)` for a join it was deciding on and that ended without a seat
   * (the session ended, a kick): once `onJoin` has returned, if it accepted the player (the join may end
   * before it does: the seat is given back at once, the room told after, never of a leave for a player
   * it is still deciding on); not once the room is gone, which `onDispose` said all of.
   */
  #leaveOnceDecided(client: HostedClient, decided: Promise<void>, reason: LeaveReason): void {
    void decided.then(
      () => {
        if (!this.disposed) safely(this.#ctx.metrics, 'onLeave', () => this.room.onLeave(client, reason));
      },
      () => {},
    );
  }

  /** Members and players being admitted, other than `playerId`. */
  #othersSeated(playerId: string): number {
    let count = this.#members.size + this.#admitting.size;
    if (this.#members.has(playerId)) count--;
    if (this.#admitting.has(playerId)) count--;
    return count;
  }

  /** The join failed: what the room sent the player meanwhile is dropped, and so is anything it sends later. */
  #refuse(client: HostedClient): void {
    client.admission = 'refused';
    client.session.dropHeld();
  }

  #answer(client: HostedClient, state: unknown): JoinedRoom {
    return {
      room: this.info(),
      members: this.members(),
      state,
      ...(this.room.peerPrivacy === 'relay-only' ? { peerPrivacy: 'relay-only' as const } : {}),
      membership: client.membership,
    };
  }

  /** Removes a member; `notifySelf` tells them too (kicks, disposal), which a voluntary leave does not need. */
  remove(session: Session, reason: LeaveReason, message: string, notifySelf: boolean): void {
    const client = this.#members.get(session.playerId);
    if (!client || client.session !== session) return;
    this.#members.delete(session.playerId);
    client.admission = 'left';
    this.#asks.left(client, reason);
    // A player leaving this room for another one was already seated there.
    session.leaveSeat(this.roomId);
    for (const other of this.#members.values()) other.session.physGate.forget(session.playerId);
    // Kept until they refill, not dropped: a leave and rejoin must not buy a fresh budget (ByPair).
    const now = this.#ctx.clock.now();
    this.#relay.left(session.playerId, now);
    this.#seatHolds.release(client);
    this.releaseSeat(session.playerId);
    if (notifySelf) {
      const told = leaveReasonFor(reason, 'own', session.readsNewerCodes);
      session.send(Kind.RoomLeft, { roomId: this.roomId, reason: told, message });
    }
    safely(this.#ctx.metrics, 'onLeave', () => this.room.onLeave(client, reason));
    const left = { roomId: this.roomId, playerId: session.playerId, reason };
    if (!hasStandIns(reason)) this.#sendToOthers(session, Kind.MemberLeft, left);
    else {
      // Told one by one: older clients read the reason's stand-in, which they list.
      for (const other of this.#members.values()) {
        const told = leaveReasonFor(reason, 'other', other.session.readsNewerCodes);
        other.session.send(Kind.MemberLeft, told === reason ? left : { ...left, reason: told });
      }
    }
    if (this.#members.size === 0) this.#scheduleEmptyDisposal();
  }

  markAway(session: Session): void {
    const client = this.#members.get(session.playerId);
    if (!client) return;
    this.#sendToOthers(session, Kind.MemberAway, { roomId: this.roomId, playerId: session.playerId });
    this.#away(client);
  }

  /** A member is away: their seat is held for the room's window, which `onAway` may change (`holdSeat`). */
  #away(client: HostedClient): void {
    this.#seatHolds.hold(client, this.room.reconnectionMs);
    safely(this.#ctx.metrics, 'onAway', () => this.room.onAway(client));
  }

  holdSeat(client: RoomClient, ms: number): void {
    const hosted = this.#members.get(client.playerId);
    // As for `kick`: the seating the client stands for, and only while the player is away from it.
    if (!hosted || (hosted !== client && client instanceof HostedClient)) return;
    if (hosted.admission === 'seated' && hosted.away) this.#seatHolds.hold(hosted, ms);
  }

  /** The room's window for an away member ran out before the grace period: out of the room, session kept. */
  #reconnectionExpired(client: HostedClient): void {
    if (this.disposed || this.#members.get(client.playerId) !== client) return;
    this.remove(
      client.session,
      ErrorCode.RECONNECTION_EXPIRED,
      "did not come back within the room's reconnection window",
      true,
    );
  }

  markBack(session: Session, resync: boolean): void {
    const client = this.#members.get(session.playerId);
    if (!client) return;
    this.#seatHolds.release(client);
    this.#sendToOthers(session, Kind.MemberBack, { roomId: this.roomId, playerId: session.playerId });
    if (resync) {
      let state: unknown;
      try {
        state = this.#sendableState(client, 'the resync goes without state');
      } catch {
        state = undefined;
      }
      session.send(Kind.RoomState, { roomId: this.roomId, members: this.members(), state });
    }
    safely(this.#ctx.metrics, 'onResume', () => this.room.onResume(client, { resync }));
  }

  /**
   * The player's seating here as a join's answer gives it (the state and members now), for a new client
   * that took the session over; undefined when the player has no seat here (a join still being decided).
   */
  seating(session: Session): JoinedRoom | undefined {
    const client = this.#members.get(session.playerId);
    if (client === undefined || client.session !== session || client.admission !== 'seated') return undefined;
    let state: unknown;
    try {
      state = this.#sendableState(client, 'the takeover goes without state');
    } catch {
      state = undefined;
    }
    return this.#answer(client, state);
  }

  /** A member's app message: validated against the schema its type registered, then handed over. */
  handleMessage(session: Session, type: string, data: unknown): void {
    const { client, registered, input } = this.#checked(session, type, data);
    const hook = hookOf(registered, type);
    try {
      const result = runHandler(registered, client, type, input);
      if (result instanceof Promise) result.catch((error: unknown) => this.#handlerFailed(hook, error));
    } catch (error) {
      this.#handlerFailed(hook, error);
    }
  }

  /**
   * A member's request (a room message with a request id `q`): checked as `handleMessage` checks a
   * message, throwing the same refusals, then the handler's value, or its promise's, is the reply. Gives
   * the reply's frame, at once for a handler that returns no promise; never rejects: a handler's failure
   * is answered REQUEST_FAILED (see RoomError). `writtenOff`: true once the caller has counted the handler
   * as hung; its failure after that is not counted again (nor logged: it was reported as hung).
   */
  handleRequest(
    session: Session,
    type: string,
    data: unknown,
    q: number,
    writtenOff: () => boolean = () => false,
  ): Uint8Array | Promise<Uint8Array> {
    const { client, registered, input } = this.#checked(session, type, data);
    const hook = hookOf(registered, type);
    let result: unknown;
    try {
      result = runHandler(registered, client, type, input);
    } catch (error) {
      return this.#failedReply(q, type, hook, error);
    }
    if (!(result instanceof Promise)) return this.#reply(q, type, hook, result);
    const lateFailed = (error: unknown) => {
      if (!writtenOff()) this.#handlerFailed(hook, error);
    };
    return result.then(
      (value: unknown) => this.#reply(q, type, hook, value, lateFailed),
      (error: unknown) => this.#failedReply(q, type, hook, error, lateFailed),
    );
  }

  /**
   * The handler of `type` (its own, or the catch-all) and the data as its schema gives it (the catch-all's
   * as it came), or the refusal of the message, thrown.
   */
  #checked(
    session: Session,
    type: string,
    data: unknown,
  ): { client: HostedClient; registered: RegisteredHandler; input: unknown } {
    const client = this.#members.get(session.playerId);
    if (!client) throw new ProtocolError(ErrorCode.NOT_IN_ROOM, 'not in this room');
    this.lastActivity = this.#ctx.clock.now();
    const registered = this.room[handlersOf](type);
    if (!registered)
      throw new ProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, `no handler for '${type.slice(0, 64)}'`);
    if (registered.schema === undefined) return { client, registered, input: data };
    let parsed: ReturnType<typeof v.safeParse<typeof registered.schema>>;
    try {
      parsed = v.safeParse(registered.schema, data);
    } catch (error) {
      this.#schemaFault(type, client, error);
    }
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const path = issue?.path?.map((item) => String(item.key)).join('.') ?? '';
      throw new ProtocolError(
        ErrorCode.INVALID_MESSAGE,
        `'${type}': ${path ? `${path}: ` : ''}${issue?.message ?? ''}`,
      );
    }
    return { client, registered, input: parsed.output };
  }

  /**
   * The reply carrying a handler's value; one that cannot be sent is the room's fault, answered as one.
   * `hook`: the handler's own type, what its failures are reported under (see `hookOf`); `failed`: what
   * reports them.
   */
  #reply(
    q: number,
    type: string,
    hook: string,
    value: unknown,
    failed = (error: unknown) => this.#handlerFailed(hook, error),
  ): Uint8Array {
    try {
      return encodeReply(q, value, this.#ctx.maxPayloadBytes, type);
    } catch (error) {
      failed(error);
      const why = error instanceof ProtocolError ? `: ${error.message}` : '';
      return encodeRefusal(q, ErrorCode.REQUEST_FAILED, `the room's reply could not be sent${why}`);
    }
  }

  /**
   * A handler threw or rejected: a RoomError is the room's answer, told as it says; anything else is its
   * bug, reported (`failed`: logged and counted) and the player is told only that the request failed.
   */
  #failedReply(
    q: number,
    type: string,
    hook: string,
    error: unknown,
    failed = (error: unknown) => this.#handlerFailed(hook, error),
  ): Uint8Array {
    if (error instanceof RoomError)
      return encodeRefusal(q, ErrorCode.REQUEST_FAILED, error.message, error.code);
    failed(error);
    return encodeRefusal(
      q,
      ErrorCode.REQUEST_FAILED,
      `the room failed to answer your '${type.slice(0, 64)}' request`,
    );
  }

  /** A message handler threw: a RoomError is the room refusing on purpose, not a failure to report. */
  #handlerFailed(type: string, error: unknown): void {
    if (!(error instanceof RoomError)) this.#frequentHookFailed(`message '${type}'`, error);
  }

  /**
   * The schema of `type` threw (a `v.transform` or `v.check` with a bug): the app's fault, not the
   * sender's. Counted for every message, logged the first time and then at most every 10 s with the count
   * (per room and type: one client sending it in a loop must not flood the log), and answered RoomFault.
   */
  #schemaFault(type: string, client: HostedClient, error: unknown): never {
    this.#frequentHookFailed(
      `schema '${type}'`,
      error,
      `the schema of message '${type}' threw on player ${client.playerId}'s message; it was not handled`,
    );
    throw new RoomFault(`the room failed to check your '${type.slice(0, 64)}' message: it was not handled`);
  }

  /**
   * A hook run for a member's message, or a room timer, threw (or rejected): counted in
   * `room_hook_errors_total{hook}` every time, logged the first time and then at most every 10 s with the
   * count (ThrottledFailures), per hook. The hooks are bounded: the message types the room registered,
   * `onLinkMessage` and 'timer'.
   */
  #frequentHookFailed(hook: string, error: unknown, what = `${hook} threw`): void {
    let failures = this.#frequentHookFailures.get(hook);
    if (failures === undefined) {
      failures = new ThrottledFailures(
        this.#ctx.metrics,
        'room_hook_errors_total',
        `room '${this.type}' ${this.roomId}`,
      );
      this.#frequentHookFailures.set(hook, failures);
    }
    failures.report(this.#ctx.clock.now(), () => ({ what, error }), { hook });
  }

  /**
   * A message from a member on their server link (already size- and rate-checked), through the seat it
   * was given (see `Seat`): a member that left (its seat is then gone too) is heard no more.
   */
  linkMessage(client: HostedClient, channel: Channel, bytes: Uint8Array): void {
    if (client.admission !== 'seated') return;
    this.#activeOffRoomMessages = true;
    // Every input passes here: the hook runs as under `safely`, without a closure per message.
    try {
      // Typed void, yet an app's may be async: its rejection is reported as a throw would be.
      const result: unknown = this.room.onLinkMessage(client, channel, bytes);
      if (result instanceof Promise)
        result.catch((error: unknown) => this.#frequentHookFailed('onLinkMessage', error));
    } catch (error) {
      this.#frequentHookFailed('onLinkMessage', error);
    }
  }

  /** Signaling between two members (offer, answer, ICE): see MemberRelay.signal. */
  relaySignal(session: Session, to: string, signal: unknown): void {
    this.#relay.signal(session, to, signal);
  }

  /** A link message between two members over the relay path: see MemberRelay.data. */
  relayData(
    session: Session,
    to: string,
    channel: number,
    payload: Uint8Array,
    ttlMs: number | undefined,
  ): void {
    this.#relay.data(session, to, channel, payload, ttlMs);
  }

  /** DataToPeers, one `phys` sample for several members: see MemberRelay.physToPeers. */
  relayPhysToPeers(session: Session, to: readonly string[], payload: Uint8Array): void {
    this.#relay.physToPeers(session, to, payload);
  }

  /**
   * A room message as clients will read it: throws, at the app's call, ProtocolError INVALID_MESSAGE for
   * what their decoder refuses (a type that is not 1-64 characters, data nested deeper than
   * MAX_DATA_DEPTH or that msgpack cannot carry) and MESSAGE_TOO_LARGE for a frame over the node's
   * `maxPayloadBytes`. Sent, any of these would be dropped by every client as it arrived: a reliable
   * message lost, the next one delivered.
   */
  encodeRoomMessage(type: string, data: unknown, messageClass: MessageClass): Uint8Array {
    const what = `room message '${String(type).slice(0, 64)}'`;
    const inner = encodeSendable(
      Kind.ServerRoomMessage,
      { roomId: this.roomId, t: type, ...(data === undefined ? {} : { d: data }) },
      what,
    );
    checkFrameSize(inner, messageClass, this.#ctx.maxPayloadBytes, what);
    return inner;
  }

  broadcast(type: string, data: unknown, options: BroadcastOptions): void {
    // Encode once; each session only wraps it in its own sequenced envelope.
    const { messageClass, ttlMs } = checkSendOptions(options);
    const excepted = exceptedMembers(options.except, type);
    const inner = this.encodeRoomMessage(type, data, messageClass);
    for (const client of this.#members.values()) {
      if (excepted.has(client)) continue;
      client.session.sendEncoded(inner, messageClass, ttlMs);
    }
  }

  updateListing(patch: ListingPatch): void {
    // A draining node's rooms stay locked: an app unlocking between rounds must not list them again.
    const kept = patch.locked === false && this.#ctx.isDraining() ? { ...patch, locked: true } : patch;
    void this.#ctx.registry.updateRoom(this.roomId, kept).then(
      (found) => {
        if (found === false) this.#ctx.onUnlisted(this.roomId);
      },
      () => this.#ctx.onRegistryFailure(),
    );
  }

  setPrivate(isPrivate: boolean): void {
    this.isPrivate = isPrivate;
    this.updateListing({ private: isPrivate });
  }

  emptyDisposalChanged(): void {
    // Only a room whose wait is under way starts it again: one with members starts it when they are gone.
    if (this.disposed || this.#members.size > 0) return;
    if (this.#emptyWaiting) this.#armEmptyTimer();
  }

  reportTick(durationMs: number): void {
    if (Number.isFinite(durationMs) && durationMs >= 0) {
      this.#ctx.metrics.observe('tick_duration_ms', durationMs, { room_type: this.type });
    }
  }

  count(name: string, labels: Readonly<Record<string, string>> = {}, by = 1): void {
    // A room may count on every message: `Object.assign`, as a property after a spread costs about 1 µs on
    // Node 20.
    this.#ctx.metrics.count(name, Object.assign({}, labels, { room_type: this.type }), by);
  }

  kick(client: RoomClient, message: string): void {
    // Cut to what a RoomLeft carries: a longer reason would make the player's client drop the notice.
    const reason = String(message).slice(0, MAX_REASON_LENGTH);
    const hosted = this.#members.get(client.playerId);
    // Only the seating the client stands for: one kept from a seating the player has left (they came back
    // since) must not kick them out of the one they have now, as it no longer sends to them either.
    if (hosted && (hosted === client || !(client instanceof HostedClient))) {
      // Among the members yet still being admitted: `stateFor` kicked the player it was asked for. No one
      // has heard of them: the join is refused, as for a kick from `onJoin`.
      if (hosted.admission === 'deciding') hosted.kickedWhileDeciding = reason;
      else this.remove(hosted.session, ErrorCode.KICKED, reason, true);
      return;
    }
    // Still being admitted (an async `onJoin`): the join is refused with the kick's message now, without
    // waiting for onJoin (a room's deadline for a joiner is how it lets go of one its onJoin cannot finish).
    if (client instanceof HostedClient && client.host === this && client.admission === 'deciding') {
      client.kickedWhileDeciding = reason;
      client.stopDeciding?.();
    }
  }

  /** The room's request to a member: see `Room.request` (a client of another seating is no member). */
  request(
    client: RoomClient,
    type: string,
    data: unknown,
    options: RoomAskOptions | undefined,
  ): Promise<unknown> {
    const hosted = this.#members.get(client.playerId);
    const member = hosted && (hosted === client || !(client instanceof HostedClient)) ? hosted : undefined;
    return this.#asks.ask(member, type, data, options);
  }

  /**
   * Closes the room; its members leave with `reason`, each sent RoomLeft unless `notifyMembers` is false
   * (a drain: its goodbye moves every client off the node, which leaves the room as it goes).
   */
  dispose(
    reason: LeaveReason = ErrorCode.ROOM_DISPOSED,
    message = 'the room was closed',
    notifyMembers = true,
  ): void {
    if (this.disposed) return;
    this.disposed = true;
    this.#cancelEmptyTimer?.();
    for (const stopWaiting of [...this.#decisionsWaiting]) stopWaiting();
    for (const client of [...this.#members.values()]) {
      this.#members.delete(client.playerId);
      this.#seatHolds.release(client);
      client.admission = 'left';
      this.#asks.left(client, reason);
      client.session.leaveSeat(this.roomId);
      if (notifyMembers) client.session.send(Kind.RoomLeft, { roomId: this.roomId, reason, message });
      safely(this.#ctx.metrics, 'onLeave', () => this.room.onLeave(client, reason));
    }
    void this.#ctx.registry.removeRoom(this.roomId).catch(() => this.#ctx.onRegistryFailure(this.roomId));
    safely(this.#ctx.metrics, 'onDispose', () => this.room.onDispose());
    this.#timers.close();
    this.#ctx.metrics.count('rooms_disposed_total');
    this.#ctx.onDisposed(this.roomId);
  }

  /**
   * True when no member has sent anything since `cutoff`: room messages, and (noted at this check, `now`)
   * server-link messages, signals and relayed peer data. A game whose inputs all go on the server link
   * is not idle while its players drive.
   */
  idleSince(cutoff: number, now: number): boolean {
    if (this.#activeOffRoomMessages) {
      this.#activeOffRoomMessages = false;
      this.lastActivity = now;
    }
    return this.lastActivity < cutoff;
  }

  /**
   * The room was never created (`onCreate` threw, or it could not be listed): it hears `onDispose`, and
   * the timers it started in `onCreate` stop. Once: a room that disposed itself (`dispose()` in `onCreate`,
   * then a throw) heard `onDispose` already, and a `dispose()` from its code still running afterwards (a
   * promise of its own) finds it gone, as it would any disposed room.
   */
  abandon(): void {
    if (this.disposed) return;
    this.disposed = true;
    safely(this.#ctx.metrics, 'onDispose', () => this.room.onDispose());
    this.#timers.close();
  }

  /**
   * Starts the empty-room timer, e.g. for a room whose creator never got in, unless it is running (or ran
   * out during joins under way, see `join`): a refused join does not buy an empty room more time.
   */
  scheduleDisposalIfEmpty(): void {
    if (this.#members.size > 0 || this.disposed || this.#emptyWaiting) return;
    this.#scheduleEmptyDisposal();
  }

  #scheduleEmptyDisposal(): void {
    // A room whose own onLeave disposed it (the leave that emptied it) is gone: a timer started now would
    // outlive it, holding the room until it ran.
    if (this.disposed) return;
    this.#armEmptyTimer();
    // Last: the manager may dispose this very room for it.
    if (this.vacant) this.#ctx.onVacant(this.roomId);
  }

  /** Starts the empty room's wait (again), with the room's own `emptyDisposeMs` or the server's. */
  #armEmptyTimer(): void {
    this.#cancelEmptyTimer?.();
    this.#cancelEmptyTimer = undefined;
    this.#emptyOverdue = false;
    this.#emptyWaiting = true;
    const waitMs = this.room.emptyDisposeMs ?? this.#ctx.emptyDisposeMs;
    // Kept while empty: no timer (one of Infinity would wake every 24.8 days for nothing).
    if (waitMs === Number.POSITIVE_INFINITY) return;
    this.#cancelEmptyTimer = this.#ctx.clock.setTimeout(() => {
      this.#cancelEmptyTimer = undefined;
      if (this.vacant) this.dispose(ErrorCode.ROOM_DISPOSED, 'the room was empty');
      // A join under way (its seat reservation, or a slow `onJoin`) may make a member: the room goes once
      // it ends if it did not (see `join`).
      else if (this.#members.size === 0) this.#emptyOverdue = true;
    }, waitMs);
  }

  #stateFor(client: RoomClient): unknown {
    try {
      return this.room.stateFor(client);
    } catch (error) {
      this.#ctx.metrics.count('room_hook_errors_total', { hook: 'stateFor' });
      console.error('vehikill-net: room stateFor threw', error);
      return undefined;
    }
  }

  /**
   * `stateFor(client)`, checked as the client will read it: nested at most MAX_DATA_DEPTH deep, what
   * msgpack carries, and at most `maxPayloadBytes` encoded. One that is not throws ProtocolError
   * (INVALID_MESSAGE, MESSAGE_TOO_LARGE) naming stateFor, counted as the hook's error and logged with the
   * room, the player and `outcome`. A stateFor that throws gives no state, as it always has.
   */
  #sendableState(client: HostedClient, outcome: string): unknown {
    const state = this.#stateFor(client);
    if (state === undefined) return undefined;
    const what = "the room's state for this player (stateFor)";
    try {
      const encoded = encodeSendableData(state, what);
      if (encoded.length > this.#ctx.maxPayloadBytes) {
        throw new ProtocolError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `${what} is ${bytesText(encoded.length)} encoded, over the frame limit of ${bytesText(this.#ctx.maxPayloadBytes)}`,
        );
      }
    } catch (error) {
      this.#ctx.metrics.count('room_hook_errors_total', { hook: 'stateFor' });
      const why = error instanceof Error ? error.message : String(error);
      console.error(
        `vehikill-net: room '${this.type}' ${this.roomId}, player ${client.playerId} (${client.name}): ${why}; ${outcome}`,
      );
      throw error;
    }
    return state;
  }

  /**
   * `onJoin` threw one of JavaScript's own errors: a refusal still (its message goes to the player, as
   * documented), but more likely a fault of the room's code than words meant for the player, which the
   * operator would otherwise never see. Logged with the room and the player, and counted.
   */
  #reportJoinFault(client: HostedClient, error: Error): void {
    this.#ctx.metrics.count('room_hook_errors_total', { hook: 'onJoin' });
    console.error(
      `vehikill-net: room '${this.type}' ${this.roomId}, player ${client.playerId} (${client.name}): onJoin threw a ${error.name}; the join is refused (JOIN_REJECTED, with its message)`,
      error,
    );
  }

  #sendToOthers<K extends PresenceKind>(self: Session, kind: K, body: Body<K>): void {
    const inner = encodeMessage(kind, body);
    for (const client of this.#members.values()) {
      if (client.session !== self) client.session.sendEncoded(inner, 'reliable');
    }
  }
}

/**
 * What a handler's failures are reported under (`room_hook_errors_total{hook}`, and throttled in the log):
 * its own type, or `'*'` for the catch-all, whatever type a member made up for it to run.
 */
function hookOf(registered: RegisteredHandler, type: string): string {
  return registered.schema === undefined ? '*' : type;
}

/** Runs the handler a message found: a type's own with the checked data, the catch-all with the type too. */
function runHandler(
  registered: RegisteredHandler,
  client: HostedClient,
  type: string,
  input: unknown,
): unknown {
  return registered.schema === undefined
    ? registered.handler(client, type, input)
    : registered.handler(client, input);
}

/** A member as the room's clients see it: the seating's number once it has one (see `#seatings`). */
function memberOf(client: HostedClient): Member {
  const member = { playerId: client.playerId, name: client.name, away: client.away };
  return client.seating > 0 ? { ...member, seating: client.seating } : member;
}

/** JavaScript's own error types: thrown by a fault of the code (or a library's check), not to refuse. */
function isFaultOfCode(error: unknown): error is Error {
  return (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof EvalError ||
    error instanceof URIError
  );
}

/**
 * A member's seat as its session holds it (see `Seat`): one object that names the room and the member, so
 * that an input reaches the room without a lookup, and through no closure (a function and its context are
 * two more objects to fetch from memory per input).
 */
class MemberSeat implements Seat {
  readonly roomId: string;
  constructor(
    readonly host: RoomHost,
    readonly client: HostedClient,
  ) {
    this.roomId = host.roomId;
  }

  linkMessage(channel: Channel, bytes: Uint8Array): void {
    this.host.linkMessage(this.client, channel, bytes);
  }
}
