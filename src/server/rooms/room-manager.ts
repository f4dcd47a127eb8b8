import { type Cancel, type Clock, every } from '../../common/index.js';
import {
  ErrorCode,
  type JoinedRoom,
  type LeaveReason,
  ProtocolError,
  type RoomInfo,
  type Scalar,
} from '../../protocol/index.js';
import type { Channel } from '../../transport/index.js';
import { AddressRate } from '../address-rate.js';
import { newRoomId } from '../ids.js';
import type { MetricsSink } from '../metrics.js';
import type { Registry, RoomListing } from '../registry/registry.js';
import { addressBlock } from '../remote-address.js';
import type { Session } from '../sessions/session.js';
import { EmptyRoomLedger } from './empty-room-ledger.js';
import { ListingGate } from './listing-gate.js';
import { DRAINING_ROOM, type NodeTarget, OtherNodes, redirect } from './other-nodes.js';
import { RegistryFailures } from './registry-failures.js';
import type { RelayLimits } from './relay-budget.js';
import { bindHost, type RoomClass } from './room.js';
import { newRoomCode, normalizeRoomCode } from './room-code.js';
import { RoomHost, type SeatAnswer } from './room-host.js';
import { type RoomQuery, RoomWatchers } from './room-watchers.js';
import type { SignalLimits } from './signal-budget.js';

/**
 * How many of the oldest open rooms quick play looks at: those on this node are tried first, then the
 * player is sent to the first on another live node. Bounded, so that a quick play reads a few rooms from
 * a shared registry, not every room of the cluster.
 */
const QUICK_PLAY_CANDIDATES = 16;

/**
 * How long quick plays wait for the room another quick play of the same type and filter is creating on
 * this node, counted from when that creation got its claim across nodes (see `#claimCreation`, itself
 * bounded by as long): past it the creation counts as stuck, no one waits for it any more, and the next of
 * them creates a room (which the others then wait for). Also how long a claim lasts if never given back.
 */
const QUICK_PLAY_CREATION_WAIT_MS = 5_000;

/**
 * Times one quick play looks for a seat here and, finding none, waits for a creation under way, before it
 * creates a room whatever else is being created: a bound on its work should every room made meanwhile fill
 * up before it gets a seat.
 */
const QUICK_PLAY_ROUNDS = 8;

/** How often a node waiting for another node's quick-play creation (`Registry.claimCreation`) asks again. */
const QUICK_PLAY_CLAIM_POLL_MS = 25;

/**
 * Wrong private room codes one address may try at once, then per second. A player mistypes a code or two;
 * a NAT's players a few more. An address guessing codes (six letters of 32, about 10^9) at one a second
 * needs, with 1,000 private rooms open, about 12 days on average to hit any of them.
 */
const CODE_MISS_BURST = 20;
const CODE_MISSES_PER_SECOND = 1;

/** How fast one address may create rooms (see GameServerOptions). */
export interface CreationRateLimits {
  /** Rooms one address may create at once. */
  roomCreateBurst: number;
  /** Rooms per second one address may go on creating. */
  roomCreatesPerSecond: number;
}

export interface RoomManagerOptions extends SignalLimits, RelayLimits, CreationRateLimits {
  registry: Registry;
  clock: Clock;
  metrics: MetricsSink;
  nodeId: string;
  /** Empty rooms are disposed this long after the last member left (ms). */
  emptyDisposeMs: number;
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
}

/** A room a quick play is creating here, which quick plays of the same type and filter wait for. */
interface QuickPlayCreation {
  /** Settles once the creation and its creator's join are over, however they went. */
  done: Promise<void>;
  /**
   * Until when quick plays wait for it: `QUICK_PLAY_CREATION_WAIT_MS` for the creation, from when it got
   * its claim across nodes (`#claimCreation`), and, until then, as long again for the claim.
   */
  deadline: number;
  /** Set when, instead, another node made a room with seats meanwhile: where the quick plays go. */
  sentTo?: NodeTarget;
}

/** Creates, finds, fills and disposes the rooms hosted on this node. */
export class RoomManager {
  readonly #options: RoomManagerOptions;
  readonly #types = new Map<string, RoomClass>();
  readonly #rooms = new Map<string, RoomHost>();
  readonly #cancelIdleSweep: Cancel;
  /** Draining: no rooms are created here; quick play and creation are sent to other nodes. */
  #draining = false;
  /**
   * A registry write about this node's rooms failed (a release, an update or a removal while the registry
   * was unreachable, however briefly): the listing may be wrong until `reconcileRegistry` runs.
   */
  #registryStale = false;
  /** Rooms disposed here whose removal from the registry failed: removed again by `reconcileRegistry`. */
  readonly #unremoved = new Set<string>();
  /** Where players are sent instead of this node's rooms. */
  readonly #otherNodes: OtherNodes;
  /** How fast each address creates rooms. */
  readonly #creationRate: AddressRate;
  /** Quick plays creating a room here, by type and filter (`quickPlayKey`): one at a time for each. */
  readonly #quickPlayCreations = new Map<string, QuickPlayCreation>();
  /** Wrong private codes per address (see `joinByCode`). */
  readonly #codeMisses = new AddressRate({ burst: CODE_MISS_BURST, perSecond: CODE_MISSES_PER_SECOND });
  /** The empty rooms each creator (address and identity) has left behind. */
  readonly #emptyRooms: EmptyRoomLedger;
  /** Registry failures of players' requests, counted and logged. */
  readonly #registryFailures: RegistryFailures;

  /** Lobbies following the room listing live (WatchRooms). */
  readonly watchers: RoomWatchers;
  /** Listings (requests and watched lobbies alike) reading the registry at once. */
  readonly #listings: ListingGate;

  constructor(options: RoomManagerOptions) {
    this.#options = options;
    this.#otherNodes = new OtherNodes(options.registry, options.nodeId);
    this.#creationRate = new AddressRate({
      burst: options.roomCreateBurst,
      perSecond: options.roomCreatesPerSecond,
    });
    this.#emptyRooms = new EmptyRoomLedger(options.maxEmptyRoomsPerCreator);
    this.#registryFailures = new RegistryFailures(options);
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
    });
  }

  get roomCount(): number {
    return this.#rooms.size;
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

  get draining(): boolean {
    return this.#draining;
  }

  /** Stops creating rooms here and locks the running ones in the shared listing, so no one new joins. */
  async startDraining(): Promise<void> {
    this.#draining = true;
    await Promise.all(
      [...this.#rooms.keys()].map((roomId) => this.#options.registry.updateRoom(roomId, { locked: true })),
    );
  }

  /** True when a registry write about this node's rooms failed since the last `reconcileRegistry`. */
  get registryStale(): boolean {
    return this.#registryStale;
  }

  /**
   * Makes the registry say what runs here: every room written again with its seats exactly its players
   * (in one atomic step per room, so no one takes a seat in between), and rooms disposed while the
   * registry was unreachable removed. After an outage other nodes may have swept this node's rooms away
   * as a dead node's, and writes made during it (a seat released, a lock, a removal) were lost.
   */
  async reconcileRegistry(): Promise<void> {
    this.#registryStale = false;
    const registry = this.#options.registry;
    try {
      for (const roomId of [...this.#unremoved]) {
        await registry.removeRoom(roomId);
        this.#unremoved.delete(roomId);
      }
      for (const host of [...this.#rooms.values()]) {
        if (host.disposed) continue;
        // With the seats of reservations still out, so that none taken just before is wiped.
        await host.reregister();
      }
    } catch (error) {
      this.#registryStale = true;
      throw error;
    }
  }

  define(type: string, roomClass: RoomClass): void {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(type)) {
      throw new TypeError(`room type '${type}' must be 1-64 characters of A-Z a-z 0-9 _ . : -`);
    }
    if (this.#types.has(type)) throw new TypeError(`room type '${type}' is already defined`);
    this.#types.set(type, roomClass);
  }

  async list(query: RoomQuery): Promise<RoomInfo[]> {
    const capped = this.#capped(query);
    const listings = await this.#listings.run(() =>
      this.#options.registry.listRooms({ ...capped, includePrivate: false }),
    );
    return listings.map(({ locked: _locked, createdAt: _createdAt, ...info }) => info);
  }

  /**
   * Follows a listing for a lobby (see RoomWatchers): its current list. `address`: the remote address of
   * the connection the request came on (its block is what the per-address bound counts).
   */
  watch(session: Session, query: RoomQuery, address: string): Promise<RoomInfo[]> {
    // Capped here: the lists of a query, whatever their limits, share one read, never past the cap.
    return this.watchers.watch(session, this.#capped(query), addressBlock(address));
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
    const waitMs = this.#codeMisses.waitMs(block, this.#options.clock.now());
    if (waitMs > 0) {
      this.#options.metrics.count('room_code_guesses_refused_total');
      throw new ProtocolError(
        ErrorCode.RATE_LIMITED,
        `too many wrong room codes from your address: try again in ${Math.ceil(waitMs / 1000)} s`,
      );
    }
    const code = normalizeRoomCode(rawCode);
    if (code === undefined) {
      this.#codeMisses.take(block, this.#options.clock.now());
      throw new ProtocolError(ErrorCode.ROOM_CODE_INVALID, 'that is not a room code');
    }
    const listing = await this.#options.registry.findByCode(code);
    if (!listing) {
      this.#codeMisses.take(block, this.#options.clock.now());
      throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, `no room with code ${code}`);
    }
    if (listing.nodeId !== this.#options.nodeId) await this.#otherNodes.redirectTo(listing.nodeId);
    return this.#join(session, listing.roomId, options);
  }

  /**
   * Joins the oldest public room of `type` that matches and has a seat, cluster-wide: among the oldest
   * (`QUICK_PLAY_CANDIDATES`), this node's rooms first, then a redirect to another node's; creates one here
   * only if none has a seat (see `#quickPlayHere`), with `filter` as the new room's first metadata.
   */
  quickPlay(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    options: unknown,
    address: string,
  ): Promise<JoinedRoom> {
    return this.#noting(this.#quickPlay(session, type, filter, options, address));
  }

  async #quickPlay(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    options: unknown,
    address: string,
  ): Promise<JoinedRoom> {
    if (!this.#types.has(type))
      throw new ProtocolError(ErrorCode.ROOM_TYPE_UNKNOWN, `no room type '${type}'`);
    const candidates = await this.#candidates(type, filter);
    // Rooms here that refused this player (full by now, or their onJoin said no): not asked again.
    const tried = new Set<string>();
    for (const listing of candidates) {
      const host = this.#rooms.get(listing.roomId);
      if (!host || host.disposed || host.has(session) || this.#draining) continue;
      tried.add(host.roomId);
      const joined = await this.#tryJoin(session, host, options);
      if (joined) return joined;
    }
    const target = await this.#liveNodeOf(candidates);
    if (target) throw redirect(target);
    return this.#quickPlayHere(session, type, filter, options, address, tried);
  }

  /** The oldest open public rooms of `type` that match `filter`, cluster-wide (`QUICK_PLAY_CANDIDATES`). */
  #candidates(type: string, filter: Record<string, Scalar> | undefined): Promise<RoomListing[]> {
    return this.#options.registry.listRooms({
      type,
      ...(filter ? { filter } : {}),
      limit: QUICK_PLAY_CANDIDATES,
    });
  }

  /** The live node (not draining) hosting the first of `candidates` that another node hosts, if any. */
  async #liveNodeOf(candidates: readonly RoomListing[]): Promise<NodeTarget | undefined> {
    const remote = candidates.filter((listing) => listing.nodeId !== this.#options.nodeId);
    if (remote.length === 0) return undefined;
    const live = await this.#otherNodes.live();
    const target = remote.find((listing) => live.has(listing.nodeId));
    return target === undefined ? undefined : live.get(target.nodeId);
  }

  /**
   * A quick play the listing found no seat for: joins the oldest open room here that matches (one made
   * since the listing was read included, as this node knows its own rooms at once), else creates one.
   * Creations are one at a time per type and filter: while one is under way (its `onCreate` and its
   * creator's join), the quick plays that find no seat wait for it and then take seats in its room; those
   * it has no seat for go on, and the first of them creates the next room. So concurrent quick plays fill a
   * room before another is made, and a quick play seated in a room someone else created takes nothing from
   * its address's creation rate. The wait is bounded (`QUICK_PLAY_CREATION_WAIT_MS` from when the
   * creation got its claim across nodes, whose own wait is as bounded): a creation that fails, or hangs,
   * lets them go on.
   *
   * Across nodes sharing a registry that has `claimCreation` (Redis and in-memory both do), the creating
   * quick play first claims the creation there (see `#claimCreation`), then reads the listing again: a
   * room another node made meanwhile with a seat sends it (and those waiting for it here) there instead.
   */
  async #quickPlayHere(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    options: unknown,
    address: string,
    tried: Set<string>,
  ): Promise<JoinedRoom> {
    const key = quickPlayKey(type, filter);
    for (let round = 0; !this.#draining; round++) {
      const host = this.#openRoom(session, type, filter, tried);
      if (host) {
        tried.add(host.roomId);
        const joined = await this.#tryJoin(session, host, options);
        if (joined) return joined;
        continue;
      }
      const creation = this.#quickPlayCreations.get(key);
      if (creation === undefined || round >= QUICK_PLAY_ROUNDS) break;
      if (await this.#awaitCreation(creation)) {
        if (creation.sentTo) throw redirect(creation.sentTo);
      } else if (this.#quickPlayCreations.get(key) === creation) {
        // Stuck: no one waits for it any more (its room still takes players if it ever comes).
        this.#quickPlayCreations.delete(key);
      }
    }
    // A player gone while waiting (their grace ran out) would leave a room behind, on their address.
    if (session.ended)
      throw new ProtocolError(ErrorCode.SESSION_EXPIRED, 'the session ended during the quick play');
    // One that went round too often creates without making the others wait for it.
    let finished = () => {};
    let creation: QuickPlayCreation | undefined;
    if (!this.#quickPlayCreations.has(key)) {
      const done = new Promise<void>((resolve) => {
        finished = resolve;
      });
      creation = { done, deadline: this.#options.clock.now() + 2 * QUICK_PLAY_CREATION_WAIT_MS };
      this.#quickPlayCreations.set(key, creation);
    }
    let claim: string | undefined;
    try {
      if (creation && !this.#draining) {
        claim = await this.#claimCreation(key);
        creation.deadline = this.#options.clock.now() + QUICK_PLAY_CREATION_WAIT_MS;
        // Claimed (or none to be had): a node that held the claim may have made a room since the read.
        const target = await this.#liveNodeOf(await this.#candidates(type, filter));
        if (target) {
          creation.sentTo = target;
          throw redirect(target);
        }
      }
      return await this.#create(session, type, false, options, address, filter);
    } finally {
      if (claim !== undefined) {
        // One not given back (the registry failing) lapses by itself: nothing listed is wrong meanwhile.
        void this.#options.registry.releaseCreation?.(key, claim).catch(() => {});
      }
      if (creation && this.#quickPlayCreations.get(key) === creation) this.#quickPlayCreations.delete(key);
      finished();
    }
  }

  /**
   * Claims the creation of a quick-play room for `key` across the nodes sharing the registry
   * (`Registry.claimCreation`), for `QUICK_PLAY_CREATION_WAIT_MS` at most. While another node holds it
   * (it is creating such a room), asks again every `QUICK_PLAY_CLAIM_POLL_MS`, for at most as long: a claim
   * its node never gave back (it died) has expired by then. Resolves the token it holds the claim with, or
   * undefined (a registry without claims, or one still held at the end): the room is created anyway. A
   * registry that fails fails the quick play, as its other calls do.
   */
  async #claimCreation(key: string): Promise<string | undefined> {
    const registry = this.#options.registry;
    if (registry.claimCreation === undefined) return undefined;
    const clock = this.#options.clock;
    const token = `${this.#options.nodeId} ${newRoomId()}`;
    const deadline = clock.now() + QUICK_PLAY_CREATION_WAIT_MS;
    for (;;) {
      if (await registry.claimCreation(key, token, QUICK_PLAY_CREATION_WAIT_MS)) return token;
      if (clock.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, QUICK_PLAY_CLAIM_POLL_MS));
    }
  }

  /**
   * The oldest room here that a quick play of `type` and `filter` can join now: public, not locked, not
   * tried yet, the player not in it, and a seat free counting the reservations under way here.
   */
  #openRoom(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    tried: ReadonlySet<string>,
  ): RoomHost | undefined {
    for (const host of this.#rooms.values()) {
      if (host.type !== type || host.isPrivate || host.disposed || host.room.locked) continue;
      if (tried.has(host.roomId) || host.has(session) || host.seatsInUse >= host.room.maxClients) continue;
      const metadata = host.room.metadata;
      if (Object.entries(filter ?? {}).every(([key, value]) => metadata[key] === value)) return host;
    }
    return undefined;
  }

  /**
   * Resolves true once `creation` is over, false if it is not by its `deadline` (which moves once, when
   * it gets its claim across nodes).
   */
  async #awaitCreation(creation: QuickPlayCreation): Promise<boolean> {
    for (;;) {
      const left = creation.deadline - this.#options.clock.now();
      if (left <= 0) return false;
      let cancel: Cancel = () => {};
      const late = new Promise<boolean>((resolve) => {
        cancel = this.#options.clock.setTimeout(() => resolve(false), left);
      });
      try {
        if (await Promise.race([creation.done.then(() => true), late])) return true;
      } finally {
        cancel();
      }
    }
  }

  /**
   * Joins a quick play into `host`; undefined when the room refused (full by now, or its onJoin said no),
   * so that the next room is tried. A registry that failed is no answer about this room, and would fail
   * the next ones too: the player is told, not sent elsewhere.
   */
  async #tryJoin(session: Session, host: RoomHost, options: unknown): Promise<JoinedRoom | undefined> {
    try {
      return await this.#joinInto(session, host, options);
    } catch (error) {
      if (!(error instanceof ProtocolError) || this.#registryFailures.noted(error)) throw error;
      return undefined;
    }
  }

  leave(session: Session, reason: LeaveReason = 'left', message = 'left the room', notifySelf = false): void {
    const host = session.roomId === undefined ? undefined : this.#rooms.get(session.roomId);
    host?.remove(session, reason, message, notifySelf);
    session.roomId = undefined;
  }

  markAway(session: Session): void {
    this.#hostOf(session)?.markAway(session);
  }

  markBack(session: Session, resync: boolean): void {
    this.#hostOf(session)?.markBack(session, resync);
    // The list held back while away, or (a resync) one the outbox may have dropped.
    this.watchers.resumed(session, resync);
  }

  /** `membership`: the seating the client sent it in (see Session.membership); absent from old clients. */
  handleMessage(session: Session, type: string, data: unknown, membership: number | undefined): void {
    this.#requireHost(session, membership).handleMessage(session, type, data);
  }

  /** A message on a player's server link: to their room, if they are in one (else dropped). */
  handleLinkMessage(session: Session, channel: Channel, bytes: Uint8Array): void {
    this.#hostOf(session)?.handleLinkMessage(session, channel, bytes);
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

  /** `notifyMembers`: whether each member is sent RoomLeft (see RoomHost.dispose). */
  disposeAll(reason: LeaveReason, message: string, notifyMembers = true): void {
    for (const host of [...this.#rooms.values()]) host.dispose(reason, message, notifyMembers);
  }

  close(): void {
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
    if (!roomClass) throw new ProtocolError(ErrorCode.ROOM_TYPE_UNKNOWN, `no room type '${type}'`);
    if (this.#rooms.size >= this.#options.maxRooms) {
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, 'this server hosts as many rooms as it can');
    }
    // Taken for every attempt past the checks above: a refused onCreate cost the node as much work.
    const block = addressBlock(address);
    this.#refuseIfTooFast(block);
    const room = new roomClass();
    const host = new RoomHost(newRoomId(), type, isPrivate, room, {
      ...this.#options,
      onDisposed: (roomId) => {
        this.#rooms.delete(roomId);
        this.#emptyRooms.forget(roomId);
      },
      onVacant: (roomId) => this.#onVacant(roomId),
      isDraining: () => this.#draining,
      onRegistryFailure: (removedRoom) => this.#onRegistryFailure(removedRoom),
    });
    // Drawn before onCreate, so the room knows its code there (`this.code`); drawn again on a collision.
    if (isPrivate) host.code = newRoomCode();
    room[bindHost](host);
    try {
      // Set as onCreate would set it first thing (onCreate reads it, and what it sets wins); metadata no
      // room could list (a non-finite number) refuses the creation as it would from there.
      if (metadata !== undefined && Object.keys(metadata).length > 0) room.setMetadata(metadata);
      await room.onCreate(options);
    } catch (error) {
      host.abandon();
      const message = error instanceof Error ? error.message : 'the room could not be created';
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, message.slice(0, 500), { cause: error });
    }
    refuseIfDisposed(host);
    try {
      await this.#addToRegistry(host, isPrivate);
    } catch (error) {
      // onCreate ran, and may have started the room's own timers: the room must hear it is gone.
      if (!host.disposed) host.abandon();
      // An add that failed unanswered may still have been carried out (a Redis that stalled past the
      // command timeout runs it when it resumes), listing a room no node has. Removed at once (sent after
      // the add, so run after it) and again at the next reconcile, in case this removal fails too.
      void this.#options.registry.removeRoom(host.roomId).catch(() => this.#onRegistryFailure(host.roomId));
      throw error;
    }
    if (host.disposed) {
      // Disposed while it was being listed (a timer of its own): its removal may have run before the add.
      void this.#options.registry.removeRoom(host.roomId).catch(() => this.#onRegistryFailure(host.roomId));
      refuseIfDisposed(host);
    }
    this.#rooms.set(host.roomId, host);
    // Only a room that came to be counts: a creation refused above leaves nothing counted behind.
    this.#emptyRooms.created(host.roomId, [`address ${block}`, `user ${userId}`]);
    this.#options.metrics.count('rooms_created_total');
    return host;
  }

  /** Refuses a creation from an address (IPv6: its /64) past its creation rate. */
  #refuseIfTooFast(block: string): void {
    const waitMs = this.#creationRate.take(block, this.#options.clock.now());
    if (waitMs === 0) return;
    this.#options.metrics.count('room_creations_refused_total');
    throw new ProtocolError(
      ErrorCode.RATE_LIMITED,
      `too many rooms created from your address: try again in ${Math.ceil(waitMs / 1000)} s`,
    );
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

  async #addToRegistry(host: RoomHost, isPrivate: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (await this.#options.registry.addRoom(host.listing())) return;
      // Only a private code collision can refuse an add; a few retries make it vanishingly rare.
      if (attempt >= 8) throw new ProtocolError(ErrorCode.INTERNAL_ERROR, 'could not allocate a room code');
      if (isPrivate) host.code = newRoomCode();
    }
  }

  async #joinInto(session: Session, host: RoomHost, options: unknown): Promise<JoinedRoom> {
    if (host.has(session)) return host.viewFor(session);
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
    this.#registryStale = true;
    return new ProtocolError(
      ErrorCode.REGISTRY_UNAVAILABLE,
      'the room registry does not list this room right now; try again in a few seconds',
    );
  }

  /** A registry write failed; `removedRoom`: it was that room's removal, to be tried again. */
  #onRegistryFailure(removedRoom?: string): void {
    this.#registryStale = true;
    if (removedRoom !== undefined) this.#unremoved.add(removedRoom);
  }

  /** Counts and logs a registry failure in a player's request as it goes by (see RegistryFailures). */
  async #noting(request: Promise<JoinedRoom>): Promise<JoinedRoom> {
    try {
      return await request;
    } catch (error) {
      this.#registryFailures.note(error);
      throw error;
    }
  }

  #disposeIdleRooms(): void {
    const now = this.#options.clock.now();
    const cutoff = now - this.#options.idleDisposeMs;
    for (const host of [...this.#rooms.values()]) {
      if (host.idleSince(cutoff, now)) host.dispose(ErrorCode.ROOM_DISPOSED, 'the room was idle too long');
    }
  }
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

/** Which quick plays wait for each other's creations: same type, same filter (its entries in any order). */
function quickPlayKey(type: string, filter: Readonly<Record<string, Scalar>> | undefined): string {
  const entries = Object.entries(filter ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([type, entries]);
}
