import { type Cancel, type Clock, every } from '../../common/index.js';
import {
  ErrorCode,
  type JoinedRoom,
  type LeaveReason,
  MAX_REASON_LENGTH,
  ProtocolError,
  type RoomInfo,
  type Scalar,
} from '../../protocol/index.js';
import type { Channel } from '../../transport/core.js';
import { AddressRate, GUESS_NETWORKS, refusedSender } from '../address-rate.js';
import type { LoopStalls } from '../connection/loop-stalls.js';
import { newRoomId } from '../ids.js';
import type { MetricsSink } from '../metrics.js';
import type { KnownMetric } from '../monitoring/metric-catalog.js';
import type { Registry, RoomListing } from '../registry/registry.js';
import type { RoomOrder } from '../registry/room-order.js';
import { addressBlock } from '../remote-address.js';
import type { Session } from '../sessions/session.js';
import { createWithin } from './create-within.js';
import { EmptyRoomLedger } from './empty-room-ledger.js';
import { ListingGate } from './listing-gate.js';
import { ListingRepair } from './listing-repair.js';
import { DRAINING_ROOM, OtherNodes } from './other-nodes.js';
import { QuickPlay } from './quick-play.js';
import { type RoomTypeOptions, roomOrderOf } from './quick-play-order.js';
import { RegistryFailures } from './registry-failures.js';
import type { SeatAnswer } from './registry-seats.js';
import type { RelayLimits } from './relay-budget.js';
import { bindHost, type Room, type RoomClass } from './room.js';
import { newRoomCode, normalizeRoomCode } from './room-code.js';
import { RoomHost } from './room-host.js';
import { type RoomQuery, RoomWatchers } from './room-watchers.js';
import type { SignalLimits } from './signal-budget.js';
import { unknownRoomType } from './unknown-room-type.js';

/**
 * Wrong private room codes one address may try at once, then per second. A player mistypes a code or two;
 * a NAT's players a few more. An address guessing codes (six letters of 32, about 10^9) at one a second
 * needs, with 1,000 private rooms open, about 12 days on average to hit any of them. An IPv6 address's
 * /48 and /32 are bounded as well (`GUESS_NETWORKS`): otherwise the 65,536 /64s of one rented /48 would
 * find one within seconds.
 */
const CODE_MISS_BURST = 20;
const CODE_MISSES_PER_SECOND = 1;
/** Private codes drawn for a room before giving up: each is taken with odds of rooms / 32^6, so a few do. */
const CODE_DRAWS = 8;

/** How fast one address may create rooms (see GameServerOptions). */
export interface CreationRateLimits {
  /** Rooms one address may create at once. */
  roomCreateBurst: number;
  /** Rooms per second one address may go on creating. */
  roomCreatesPerSecond: number;
}

/** How often one address may list rooms (see GameServerOptions). */
export interface ListingRateLimits {
  /** Listings (and watches) one address may ask for at once. */
  listingBurst: number;
  /** Listings per second one address may go on asking for. */
  listingsPerSecond: number;
}

export interface RoomManagerOptions extends SignalLimits, RelayLimits, CreationRateLimits, ListingRateLimits {
  registry: Registry;
  clock: Clock;
  /** The server's event-loop stalls, which the rooms' budgets of their members do not hold against them. */
  stalls: LoopStalls;
  metrics: MetricsSink;
  nodeId: string;
  /** Empty rooms are disposed this long after the last member left (ms). */
  emptyDisposeMs: number;
  /** A dropped player's session and seat are held this long (ms), unless their room sets its own window. */
  graceMs: number;
  /** How long an async `onCreate` may take (see `createWithin`). */
  createTimeoutMs: number;
  /** Rooms none of whose members sent anything (room messages, server link, relay) this long go (ms). */
  idleDisposeMs: number;
  /** Most rooms this node hosts at once; creation beyond it is refused. */
  maxRooms: number;
  /**
   * Most empty rooms (waiting for `emptyDisposeMs`) one creator's address, or identity, leaves behind;
   * past it, its oldest empty room is disposed at once.
   */
  maxEmptyRoomsPerCreator: number;
  /** Listing changes within this many ms reach watching lobbies as one list. */
  roomListIntervalMs: number;
  /** Most rooms one listing answers (a client's `limit` may ask fewer). */
  maxRoomsListed: number;
  /** Most distinct queries lobbies watch at once on this node (see RoomWatchers). */
  maxWatchedQueries: number;
  /** Most distinct queries the lobbies of one address watch at once. */
  maxWatchedQueriesPerAddress: number;
  /** The node's frame limit (see RoomHostContext): rooms send the app's data in frames no larger. */
  maxPayloadBytes: number;
  /** The URL other nodes send players to for this node's rooms, once known (see OtherNodes). */
  publicUrl?: () => string | undefined;
  /** This process's `NodeInfo.bootId`, which tells its record from a newer process's under its id. */
  bootId: string;
}

/** Creates, finds, fills and disposes the rooms hosted on this node. */
export class RoomManager {
  readonly #options: RoomManagerOptions;
  readonly #types = new Map<string, RoomClass>();
  /** The quick-play order of each type defined with one other than oldest first. */
  readonly #orders = new Map<string, RoomOrder>();
  readonly #rooms = new Map<string, RoomHost>();
  readonly #cancelIdleSweep: Cancel;
  /**
   * Draining: no rooms are created here, nor hosted once a creation under way is done; quick play and
   * creation are sent to other nodes.
   */
  #draining = false;
  #requestsUnderWay = 0;
  /** Closed with the server: a room whose `onCreate` was still running is not hosted once it is done. */
  #closed = false;
  /** Keeps the registry's listing of these rooms true: writes that failed, or were refused, made again. */
  readonly #listed: ListingRepair;
  /** Where players are sent instead of this node's rooms. */
  readonly #otherNodes: OtherNodes;
  /** How fast each address creates rooms. */
  readonly #creationRate: AddressRate;
  /** Quick plays: seated in rooms here or elsewhere, or in rooms they create here one at a time. */
  readonly #quickPlay: QuickPlay;
  /** Wrong private codes per address (see `joinByCode`). */
  readonly #codeMisses = new AddressRate({
    burst: CODE_MISS_BURST,
    perSecond: CODE_MISSES_PER_SECOND,
    networks: GUESS_NETWORKS,
  });
  /** The empty rooms each creator (address and identity) has left behind. */
  readonly #emptyRooms: EmptyRoomLedger;
  /** Registry failures of players' requests, counted and logged. */
  readonly #registryFailures: RegistryFailures;

  /** Lobbies following the room listing live (WatchRooms). */
  readonly watchers: RoomWatchers;
  /** Listings (requests and watched lobbies alike) reading the registry at once. */
  readonly #listings: ListingGate;
  /** Listings and watches asked for per address (a watched lobby's own reads are not counted). */
  readonly #listingRate: AddressRate;

  constructor(options: RoomManagerOptions) {
    this.#options = options;
    this.#listed = new ListingRepair(options.registry, this.#rooms);
    this.#otherNodes = new OtherNodes(options.registry, options.nodeId, options.bootId, options.publicUrl);
    this.#creationRate = new AddressRate({
      burst: options.roomCreateBurst,
      perSecond: options.roomCreatesPerSecond,
    });
    this.#emptyRooms = new EmptyRoomLedger(options.maxEmptyRoomsPerCreator);
    this.#registryFailures = new RegistryFailures(options);
    this.#quickPlay = new QuickPlay({
      registry: options.registry,
      clock: options.clock,
      nodeId: options.nodeId,
      rooms: this.#rooms,
      otherNodes: this.#otherNodes,
      hasType: (type) => this.#types.has(type),
      orderOf: (type) => this.#orders.get(type),
      types: () => this.types,
      isDraining: () => this.#draining,
      join: (session, host, joinOptions) => this.#joinInto(session, host, joinOptions),
      create: (session, type, createOptions, address, metadata) =>
        this.#create(session, type, false, createOptions, address, metadata),
      isRegistryFailure: (error) => this.#registryFailures.noted(error),
    });
    this.#listingRate = new AddressRate({
      burst: options.listingBurst,
      perSecond: options.listingsPerSecond,
    });
    this.#listings = new ListingGate({
      onRefused: () => options.metrics.count('room_listings_refused_total'),
    });
    this.watchers = new RoomWatchers({
      clock: options.clock,
      metrics: options.metrics,
      list: (query) => this.list(query),
      subscribe: (listener) => options.registry.subscribe(listener),
      intervalMs: options.roomListIntervalMs,
      maxQueries: options.maxWatchedQueries,
      maxQueriesPerAddress: options.maxWatchedQueriesPerAddress,
    });
    const sweepMs = Math.max(10, Math.min(options.idleDisposeMs / 2, 30_000));
    this.#cancelIdleSweep = every(options.clock, sweepMs, () => {
      this.#disposeIdleRooms();
      this.#creationRate.sweep(options.clock.now());
      this.#codeMisses.sweep(options.clock.now());
      this.#listingRate.sweep(options.clock.now());
    });
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  /**
   * Creations, joins and quick plays not yet answered. A drain waits for them as for players: its goodbye
   * would fail one still under way (a creation being sent to another node, a join still in `onJoin`).
   */
  get requestsUnderWay(): number {
    return this.#requestsUnderWay;
  }

  /** Players seated in this node's rooms. */
  get playerCount(): number {
    let count = 0;
    for (const host of this.#rooms.values()) count += host.memberCount;
    return count;
  }

  /** Listings of the rooms running here, as they are now (for monitoring). */
  listings(): RoomListing[] {
    return [...this.#rooms.values()].filter((host) => !host.disposed).map((host) => host.listing());
  }

  /** The listing of a room running here, as it is now; undefined for none. */
  listing(roomId: string | undefined): RoomListing | undefined {
    const host = roomId === undefined ? undefined : this.#rooms.get(roomId);
    return host === undefined || host.disposed ? undefined : host.listing();
  }

  /** The room object of a room running here; undefined for none (or one already disposed). */
  hostedRoom(roomId: string): Room | undefined {
    const host = this.#rooms.get(roomId);
    return host === undefined || host.disposed ? undefined : host.room;
  }

  /** The room objects of the rooms running here, oldest first. */
  hostedRooms(): Room[] {
    return [...this.#rooms.values()].filter((host) => !host.disposed).map((host) => host.room);
  }

  /** The room `session` is seated in here; undefined while it is in none (or still being admitted). */
  roomOf(session: Session): Room | undefined {
    const host = this.#hostOf(session);
    return host === undefined || host.disposed || !host.has(session) ? undefined : host.room;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Stops creating rooms here and locks the running ones in the shared listing, so no one new joins. */
  async startDraining(): Promise<void> {
    this.#draining = true;
    await Promise.all(
      [...this.#rooms.keys()].map(async (roomId) => {
        let found: boolean;
        try {
          found = await this.#options.registry.updateRoom(roomId, { locked: true });
        } catch (error) {
          // Written again, locked, at the next heartbeat (`reconcileRegistry`). Lost unnoticed, the lock
          // left the room open in the listing for the whole drain, and joins sent to this node got in.
          this.#listed.failed();
          throw error;
        }
        if (found === false) this.#listed.unlisted(roomId);
      }),
    );
  }

  /** True when a registry write about this node's rooms failed since the last `reconcileRegistry`. */
  get registryStale(): boolean {
    return this.#listed.stale;
  }

  /** Makes the registry say what runs here (see `ListingRepair.reconcile`): at a heartbeat after trouble. */
  reconcileRegistry(): Promise<void> {
    return this.#listed.reconcile();
  }

  /** Writes again the rooms whose re-registration was refused and whose wait is over (see ListingRepair). */
  retryRefusedRooms(): Promise<void> {
    return this.#listed.retryRefused();
  }

  /** The room types defined here, in the order they were defined (the node's record lists them). */
  get types(): string[] {
    return [...this.#types.keys()];
  }

  define(type: string, roomClass: RoomClass, options: RoomTypeOptions = {}): void {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(type)) {
      throw new TypeError(`room type '${type}' must be 1-64 characters of A-Z a-z 0-9 _ . : -`);
    }
    if (this.#types.has(type)) throw new TypeError(`room type '${type}' is already defined`);
    // Checked before the type is taken: a bad option leaves nothing defined.
    const order = roomOrderOf(type, options.quickPlayOrder);
    this.#types.set(type, roomClass);
    if (order !== undefined) this.#orders.set(type, order);
  }

  async list(query: RoomQuery): Promise<RoomInfo[]> {
    const capped = this.#capped(query);
    const listings = await this.#listings.run(() =>
      this.#options.registry.listRooms({ ...capped, includePrivate: false }),
    );
    return listings.map(({ locked: _locked, createdAt: _createdAt, order: _order, ...info }) => info);
  }

  /** A player's listing: refused RATE_LIMITED past its address's listing rate. */
  listFor(query: RoomQuery, address: string): Promise<RoomInfo[]> {
    this.#refuseListingIfTooFast(addressBlock(address));
    return this.list(query);
  }

  /**
   * Follows a listing for a lobby (see RoomWatchers): its current list. `address`: the remote address of
   * the connection the request came on (its block is what the per-address bounds count). Its first read
   * takes from the address's listing rate; the reads of later changes, once per query, do not.
   */
  watch(session: Session, query: RoomQuery, address: string): Promise<RoomInfo[]> {
    const block = addressBlock(address);
    try {
      this.#refuseListingIfTooFast(block);
    } catch (error) {
      // As any refused watch: the one before ends too (the client takes it as ended).
      this.watchers.unwatch(session);
      throw error;
    }
    // Capped here: the lists of a query, whatever their limits, share one read, never past the cap.
    return this.watchers.watch(session, this.#capped(query), block);
  }

  /** Refuses a listing or a watch from an address (IPv6: its /64) past its listing rate. Not a fault. */
  #refuseListingIfTooFast(block: string): void {
    this.#take(this.#listingRate, block, 'room_listings_rate_limited_total', 'room listings');
  }

  /**
   * Takes one action of `block` from `rate`, or counts `metric` and refuses RATE_LIMITED ("too many
   * `what` from your address: try again in N s", or from its /48 or /32 when that network's allowance is
   * what is spent: see `refusedSender`). `metric` is typed from the catalogue: the catalogue's test finds
   * names by their `.count('...')` calls and cannot see these.
   */
  #take(rate: AddressRate, block: string, metric: KnownMetric, what: string): void {
    const refusal = rate.attempt(block, this.#options.clock.now());
    if (refusal === undefined) return;
    this.#options.metrics.count(metric);
    throw new ProtocolError(
      ErrorCode.RATE_LIMITED,
      `too many ${what} from ${refusedSender(refusal)}: try again in ${Math.ceil(refusal.waitMs / 1000)} s`,
    );
  }

  /** The query as this node answers it: its limit at most `maxRoomsListed`. */
  #capped(query: RoomQuery): RoomQuery {
    return {
      ...query,
      limit: Math.min(query.limit ?? Number.POSITIVE_INFINITY, this.#options.maxRoomsListed),
    };
  }

  /**
   * Creates a room and seats its creator. `address`: where the request came from (the connection's
   * remote address), whose creation rate and empty rooms are bounded.
   */
  create(
    session: Session,
    type: string,
    isPrivate: boolean,
    options: unknown,
    address: string,
  ): Promise<JoinedRoom> {
    return this.#noting(this.#create(session, type, isPrivate, options, address));
  }

  /** `metadata`: what the room's metadata is when its `onCreate` begins (a quick play's filter). */
  async #create(
    session: Session,
    type: string,
    isPrivate: boolean,
    options: unknown,
    address: string,
    metadata?: Readonly<Record<string, Scalar>>,
  ): Promise<JoinedRoom> {
    if (this.#draining) await this.#otherNodes.sendElsewhere(type);
    const host = await this.#createRoom(type, isPrivate, options, address, session.identity.userId, metadata);
    try {
      return await this.#joinInto(session, host, options);
    } catch (error) {
      // The node began to drain after the room was hosted and before its creator was seated, and the
      // drain's lock refused the seat: the room, new and empty, is no match to let finish. It goes now, not
      // at its empty-room timer, and its creator is answered as a creation asked for now would be.
      if (this.#draining && host.vacant && isDrainRefusal(error)) {
        host.dispose(ErrorCode.ROOM_DISPOSED, 'its node began to drain before its creator was seated');
        await this.#otherNodes.sendElsewhere(type);
      }
      throw error;
    } finally {
      // Not earlier: while its creator's join is under way the room is not left empty, and must not
      // count as their empty room (a NAT of players creating at once would dispose each other's).
      host.scheduleDisposalIfEmpty();
    }
  }

  join(session: Session, roomId: string, options: unknown): Promise<JoinedRoom> {
    return this.#noting(this.#join(session, roomId, options));
  }

  async #join(session: Session, roomId: string, options: unknown): Promise<JoinedRoom> {
    const host = this.#rooms.get(roomId);
    if (!host || host.disposed) {
      const listing = await this.#options.registry.getRoom(roomId);
      if (listing) await this.#otherNodes.redirectTo(listing.nodeId);
      throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, `no room '${roomId}'`);
    }
    return this.#joinInto(session, host, options);
  }

  /**
   * Joins the room with a private code. Wrong codes are bounded per address (`CODE_MISS_BURST`, then
   * `CODE_MISSES_PER_SECOND`), not only by each session's fault budget: a new session (a new guest token is
   * free) has a fresh budget, so without this an address could guess as fast as it may open connections.
   * An IPv6 address's /48 and /32 share bounds of their own (`GUESS_NETWORKS`).
   */
  joinByCode(session: Session, rawCode: string, options: unknown, address: string): Promise<JoinedRoom> {
    return this.#noting(this.#joinByCode(session, rawCode, options, address));
  }

  async #joinByCode(
    session: Session,
    rawCode: string,
    options: unknown,
    address: string,
  ): Promise<JoinedRoom> {
    const block = addressBlock(address);
    // A guess is taken before its lookup and given back if the code names a room: taken only after a
    // miss, the lookups in flight at once (a registry round trip each, with Redis) all passed while the
    // address had one guess left, and 60 sessions guessing together got 12 times the bound through.
    this.#take(this.#codeMisses, block, 'room_code_guesses_refused_total', 'wrong room codes');
    const code = normalizeRoomCode(rawCode);
    if (code === undefined) throw new ProtocolError(ErrorCode.ROOM_CODE_INVALID, 'that is not a room code');
    let listing: RoomListing | undefined;
    try {
      listing = await this.#options.registry.findByCode(code);
    } catch (error) {
      // The registry failed (REGISTRY_UNAVAILABLE): nothing was learnt about the code.
      this.#codeMisses.refund(block, this.#options.clock.now());
      throw error;
    }
    if (!listing) throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, `no room with code ${code}`);
    this.#codeMisses.refund(block, this.#options.clock.now());
    if (listing.nodeId !== this.#options.nodeId) await this.#otherNodes.redirectTo(listing.nodeId);
    return this.#join(session, listing.roomId, options);
  }

  /**
   * Seats the player in the oldest public room of `type` that matches `filter` and has a seat, cluster-wide,
   * or in one created here (see QuickPlay.play). `sentFrom`: the URLs of the nodes that sent this quick
   * play here, which it is not sent back to.
   */
  quickPlay(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    options: unknown,
    address: string,
    sentFrom: readonly string[] = [],
  ): Promise<JoinedRoom> {
    return this.#noting(this.#quickPlay.play(session, type, filter, options, address, sentFrom));
  }

  leave(session: Session, reason: LeaveReason = 'left', message = 'left the room', notifySelf = false): void {
    const host = session.roomId === undefined ? undefined : this.#rooms.get(session.roomId);
    host?.remove(session, reason, message, notifySelf);
    session.leaveSeat();
  }

  markAway(session: Session): void {
    this.#hostOf(session)?.markAway(session);
  }

  markBack(session: Session, resync: boolean): void {
    this.#hostOf(session)?.markBack(session, resync);
    // The list held back while away, or (a resync) one the outbox may have dropped.
    this.watchers.resumed(session, resync);
  }

  /** The room `session` sits in, as a join's answer gives it (see `RoomHost.seating`). */
  seatingOf(session: Session): JoinedRoom | undefined {
    return this.#hostOf(session)?.seating(session);
  }

  /** `membership`: the seating the client sent it in (see Session.membership); absent from old clients. */
  handleMessage(session: Session, type: string, data: unknown, membership: number | undefined): void {
    this.#requireHost(session, membership).handleMessage(session, type, data);
  }

  /** A request (a room message with an id): see RoomHost.handleRequest. */
  handleRequest(
    session: Session,
    type: string,
    data: unknown,
    membership: number | undefined,
    q: number,
    writtenOff?: () => boolean,
  ): Uint8Array | Promise<Uint8Array> {
    return this.#requireHost(session, membership).handleRequest(session, type, data, q, writtenOff);
  }

  /** A message on a player's server link: to their room, if they are in one (else dropped). */
  handleLinkMessage(session: Session, channel: Channel, bytes: Uint8Array): void {
    session.seated?.linkMessage(channel, bytes);
  }

  /**
   * The room a message from `session` is for. One tagged with an earlier membership was sent for a room
   * the player has left since (it crossed their next join): refused, never handed to the room they are in.
   */
  #requireHost(session: Session, membership: number | undefined): RoomHost {
    const host = this.#hostOf(session);
    if (membership !== undefined && (membership !== session.membership || !host))
      throw new ProtocolError(ErrorCode.NOT_IN_ROOM, 'message for a room you have left');
    if (!host) throw new ProtocolError(ErrorCode.NOT_IN_ROOM, 'join a room before sending room messages');
    return host;
  }

  relaySignal(session: Session, to: string, signal: unknown, membership: number | undefined): void {
    this.#requireHost(session, membership).relaySignal(session, to, signal);
  }

  relayData(
    session: Session,
    to: string,
    channel: number,
    payload: Uint8Array,
    ttlMs: number | undefined,
    membership: number | undefined,
  ): void {
    this.#requireHost(session, membership).relayData(session, to, channel, payload, ttlMs);
  }

  /** DataToPeers: one phys sample for several members of the sender's room (see RoomHost.relayPhysToPeers). */
  relayPhysToPeers(
    session: Session,
    to: readonly string[],
    payload: Uint8Array,
    membership: number | undefined,
  ): void {
    this.#requireHost(session, membership).relayPhysToPeers(session, to, payload);
  }

  /** `notifyMembers`: whether each member is sent RoomLeft (see RoomHost.dispose). */
  disposeAll(reason: LeaveReason, message: string, notifyMembers = true): void {
    for (const host of [...this.#rooms.values()]) host.dispose(reason, message, notifyMembers);
  }

  /** The server is closing: rooms still here go, and creations still under way are refused as they end. */
  close(): void {
    this.#closed = true;
    this.disposeAll(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
    this.#cancelIdleSweep();
    this.watchers.close();
  }

  #hostOf(session: Session): RoomHost | undefined {
    return session.roomId === undefined ? undefined : this.#rooms.get(session.roomId);
  }

  async #createRoom(
    type: string,
    isPrivate: boolean,
    options: unknown,
    address: string,
    userId: string,
    metadata?: Readonly<Record<string, Scalar>>,
  ): Promise<RoomHost> {
    const roomClass = this.#types.get(type);
    if (!roomClass) throw unknownRoomType(type, this.types);
    if (this.#rooms.size >= this.#options.maxRooms) {
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, 'this server hosts as many rooms as it can');
    }
    // Taken for every attempt past the checks above: a refused onCreate cost the node as much work.
    const block = addressBlock(address);
    this.#refuseIfTooFast(block);
    // Drawn before onCreate, so the room knows its code there (`this.code`: to show it, to log it), and
    // never drawn again: a code another room holds is drawn again now, not once onCreate has read it.
    const code = isPrivate ? await this.#freeRoomCode() : undefined;
    const room = new roomClass();
    const order = this.#orders.get(type);
    const host = new RoomHost(newRoomId(), type, code, isPrivate, room, {
      ...this.#options,
      ...(order === undefined ? {} : { order }),
      onDisposed: (roomId) => {
        this.#rooms.delete(roomId);
        this.#listed.forget(roomId);
        this.#emptyRooms.forget(roomId);
      },
      onVacant: (roomId) => this.#onVacant(roomId),
      isDraining: () => this.#draining,
      onRegistryFailure: (removedRoom) => this.#listed.failed(removedRoom),
      onUnlisted: (roomId) => this.#listed.unlisted(roomId),
    });
    host.creatorAddress = block;
    room[bindHost](host);
    try {
      // Set as onCreate would set it first thing (onCreate reads it, and what it sets wins); metadata no
      // room could list (a non-finite number) refuses the creation as it would from there.
      if (metadata !== undefined && Object.keys(metadata).length > 0) room.setMetadata(metadata);
      await createWithin(() => room.onCreate(options), this.#options.clock, this.#options.createTimeoutMs);
    } catch (error) {
      host.abandon();
      const message = error instanceof Error ? error.message : 'the room could not be created';
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, message.slice(0, MAX_REASON_LENGTH), { cause: error });
    }
    refuseIfDisposed(host);
    await this.#refuseIfStopped(host, type, false);
    try {
      await this.#addToRegistry(host);
    } catch (error) {
      // onCreate ran, and may have started the room's own timers: the room must hear it is gone.
      if (!host.disposed) host.abandon();
      // An add that failed unanswered may still have been carried out (a Redis that stalled past the
      // command timeout runs it when it resumes), listing a room no node has. Removed at once (sent after
      // the add, so run after it) and again at the next reconcile, in case this removal fails too.
      this.#listed.unlist(host.roomId);
      throw error;
    }
    if (host.disposed) {
      // Disposed while it was being listed (a timer of its own): its removal may have run before the add.
      this.#listed.unlist(host.roomId);
      refuseIfDisposed(host);
    }
    // Closed or draining since the add was sent: the add may have run after the node's rooms were locked
    // or removed, and listed this one.
    await this.#refuseIfStopped(host, type, true);
    this.#rooms.set(host.roomId, host);
    // Only a room that came to be counts: a creation refused above leaves nothing counted behind.
    this.#emptyRooms.created(host.roomId, [`address ${block}`, `user ${userId}`]);
    this.#options.metrics.count('rooms_created_total');
    return host;
  }

  /**
   * The node stopped taking rooms while this one was being created (an `onCreate`, or its listing, that
   * awaits): the server closed, and no one would ever dispose the room; or the node began to drain, and
   * promised no new rooms. The room is not hosted: it hears `onDispose` now, its timers stop, it leaves
   * the listing if it was `listed`, and the creation is refused as one asked for now would be:
   * SERVER_SHUTTING_DOWN, or from a draining node a redirect to a live node (SERVER_DRAINING if none).
   */
  async #refuseIfStopped(host: RoomHost, type: string, listed: boolean): Promise<void> {
    if (!this.#closed && !this.#draining) return;
    host.abandon();
    if (listed) this.#listed.unlist(host.roomId);
    if (this.#closed) throw new ProtocolError(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
    await this.#otherNodes.sendElsewhere(type);
  }

  /** Refuses a creation from an address (IPv6: its /64) past its creation rate. */
  #refuseIfTooFast(block: string): void {
    this.#take(this.#creationRate, block, 'room_creations_refused_total', 'rooms created');
  }

  /**
   * A room is left empty: its creators' oldest empty rooms past `maxEmptyRoomsPerCreator` go at once
   * (rather than after `emptyDisposeMs`), so creating rooms in a loop cannot fill the node.
   */
  #onVacant(roomId: string): void {
    const vacant = (id: string) => this.#rooms.get(id)?.vacant ?? false;
    for (const excess of this.#emptyRooms.emptied(roomId, vacant)) {
      const host = this.#rooms.get(excess);
      if (!host?.vacant) continue;
      this.#options.metrics.count('empty_rooms_disposed_early_total');
      host.dispose(ErrorCode.ROOM_DISPOSED, 'the room was empty, and its creator left newer empty rooms');
    }
  }

  /** A private room code no room holds as it is drawn; drawn again, a few times at most, while one does. */
  async #freeRoomCode(): Promise<string> {
    for (let attempt = 0; attempt < CODE_DRAWS; attempt++) {
      const code = newRoomCode();
      if ((await this.#options.registry.findByCode(code)) === undefined) return code;
    }
    throw new ProtocolError(ErrorCode.INTERNAL_ERROR, 'could not allocate a room code');
  }

  async #addToRegistry(host: RoomHost): Promise<void> {
    if (await this.#options.registry.addRoom(host.listing())) return;
    // Only a private code can refuse an add: another node's room took the code while this one was being
    // created. The room read its code in onCreate and may have shown it, so it gets no other: the
    // creation is refused (the room hears onDispose), and asked again draws a code afresh.
    throw new ProtocolError(
      ErrorCode.INTERNAL_ERROR,
      "the room's code was taken by another room while it was being created: try again",
    );
  }

  /** Seats `session` in `host`: a join under way there (see `RoomHost.join`) until it is answered. */
  #joinInto(session: Session, host: RoomHost, options: unknown): Promise<JoinedRoom> {
    return host.join(() => this.#seat(session, host, options));
  }

  async #seat(session: Session, host: RoomHost, options: unknown): Promise<JoinedRoom> {
    // The room the player sits in (a repeated join, or the second of two sent at once: requests are taken
    // one at a time, so it comes once the first seated them): refused, and nothing changes. Not admitted
    // again (the room would hear onJoin for a player it has, the others a MemberJoined), nor answered as a
    // seating (the client would take it for a new one, and the join's options would reach no one).
    if (host.has(session)) throw new ProtocolError(ErrorCode.JOIN_REJECTED, ALREADY_IN_ROOM);
    let seat: SeatAnswer;
    try {
      seat = await host.reserveSeat(session.playerId);
    } catch (error) {
      // The seat may have been taken with only the answer lost (a timeout): give it back.
      host.releaseSeat(session.playerId);
      this.#registryFailures.note(error, true);
      throw error;
    }
    if (seat !== 'taken') throw this.#refusal(host, seat);
    const previousRoomId = session.roomId;
    let joined: JoinedRoom;
    try {
      if (host.disposed) throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, 'the room is gone');
      if (session.ended)
        throw new ProtocolError(ErrorCode.SESSION_EXPIRED, 'the session ended during the join');
      joined = await host.admit(session, options);
    } catch (error) {
      host.releaseSeat(session.playerId);
      host.scheduleDisposalIfEmpty();
      throw error;
    }
    // Only now out of the room the player was in: a join the registry or the room refuses leaves them
    // where they were (their client still shows that room, and nothing would tell it otherwise).
    if (previousRoomId !== undefined && previousRoomId !== host.roomId) {
      this.#rooms.get(previousRoomId)?.remove(session, 'left', 'joined another room', false);
    }
    return joined;
  }

  /** Why the registry refused a seat in a room running here. */
  #refusal(host: RoomHost, seat: Exclude<SeatAnswer, 'taken'>): ProtocolError {
    if (host.disposed) return new ProtocolError(ErrorCode.ROOM_NOT_FOUND, 'the room is gone');
    // Worded as a join through another node is (`OtherNodes.redirectTo`): the player should hear the
    // same thing.
    if (this.#draining) return new ProtocolError(ErrorCode.ROOM_FULL, DRAINING_ROOM);
    if (host.room.locked) return new ProtocolError(ErrorCode.ROOM_FULL, 'the room is locked');
    // Full, counting seats reserved but not yet answered; or full a moment ago, when a leave crossed
    // the reservation (asked again, and refused again): the room is busy, the registry is right.
    if (seat === 'refused-crossing-a-release' || host.seatsInUse >= host.room.maxClients) {
      return new ProtocolError(ErrorCode.ROOM_FULL, 'the room is full');
    }
    // Seats free here, yet refused: the registry does not list the room as live right now (this node's
    // heartbeat expired, or a write was lost). The next heartbeat puts it right.
    this.#listed.markStale();
    return new ProtocolError(
      ErrorCode.REGISTRY_UNAVAILABLE,
      'the room registry does not list this room right now; try again in a few seconds',
    );
  }

  /**
   * Counts and logs a registry failure in a player's request as it goes by (see RegistryFailures), and
   * counts the requests under way (see `requestsUnderWay`).
   */
  async #noting(request: Promise<JoinedRoom>): Promise<JoinedRoom> {
    this.#requestsUnderWay++;
    try {
      return await request;
    } catch (error) {
      this.#registryFailures.note(error);
      throw error;
    } finally {
      this.#requestsUnderWay--;
    }
  }

  #disposeIdleRooms(): void {
    const now = this.#options.clock.now();
    for (const host of [...this.#rooms.values()]) {
      const cutoff = now - (host.room.idleDisposeMs ?? this.#options.idleDisposeMs);
      if (host.idleSince(cutoff, now)) host.dispose(ErrorCode.ROOM_DISPOSED, 'the room was idle too long');
    }
  }
}

/** The refusal of a join of the room the player is in (the client refuses one with the same words). */
const ALREADY_IN_ROOM = 'already in this room: leave it first to join it again';

/** The refusal of a seat in a room of a draining node (see `RoomManager.#refusal`). */
function isDrainRefusal(error: unknown): boolean {
  return (
    error instanceof ProtocolError && error.code === ErrorCode.ROOM_FULL && error.message === DRAINING_ROOM
  );
}

/**
 * A room that disposed itself while it was being created (`dispose()` from `onCreate`) must not be
 * listed or kept: its disposal has already run, and no sweep would ever dispose it again.
 */
function refuseIfDisposed(host: RoomHost): void {
  if (host.disposed) {
    throw new ProtocolError(ErrorCode.JOIN_REJECTED, 'the room closed itself while it was being created');
  }
}
