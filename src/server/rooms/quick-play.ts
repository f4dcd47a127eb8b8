import type { Cancel, Clock } from '../../common/index.js';
import { ErrorCode, type JoinedRoom, ProtocolError, type Scalar } from '../../protocol/index.js';
import { newRoomId } from '../ids.js';
import type { Registry, RoomListing } from '../registry/registry.js';
import { compareListings, type ListedRoom, type RoomOrder } from '../registry/room-order.js';
import type { Session } from '../sessions/session.js';
import { type NodeTarget, type OtherNodes, redirect } from './other-nodes.js';
import type { RoomHost } from './room-host.js';
import { unknownRoomType } from './unknown-room-type.js';

/**
 * How many of the oldest open rooms (or the first in the type's quick-play order) quick play looks at:
 * those on this node are tried first (in an order, only those before the first on another live node),
 * then the player is sent to the first on another live node. Bounded, so that a quick play reads a few
 * rooms from a shared registry, not every room of the cluster.
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

/** What quick play needs of the node: its registry, its rooms, and the manager's own join and creation. */
export interface QuickPlayOptions {
  registry: Registry;
  clock: Clock;
  nodeId: string;
  /** The rooms hosted here, by id (read only: the manager adds and removes them). */
  rooms: ReadonlyMap<string, RoomHost>;
  otherNodes: OtherNodes;
  /** True if rooms of `type` can be created here. */
  hasType(type: string): boolean;
  /** The quick-play order of `type` (`GameServer.define`'s `quickPlayOrder`); undefined: oldest first. */
  orderOf(type: string): RoomOrder | undefined;
  /** The room types defined here: named when a quick play asks for another. */
  types(): readonly string[];
  /** True while the node drains: no room here takes a quick play, and none is created. */
  isDraining(): boolean;
  /** Seats `session` in `host`, as any join does; throws the refusal. */
  join(session: Session, host: RoomHost, options: unknown): Promise<JoinedRoom>;
  /**
   * Creates a public room of `type` and seats its creator, as any creation does (the creation rate of
   * `address` included), with `metadata` as the room's metadata when its `onCreate` begins.
   */
  create(
    session: Session,
    type: string,
    options: unknown,
    address: string,
    metadata: Readonly<Record<string, Scalar>> | undefined,
  ): Promise<JoinedRoom>;
  /** True if `error` is the registry failing (already counted), not a refusal of the room's. */
  isRegistryFailure(error: ProtocolError): boolean;
}

/**
 * Quick play on this node: seats a player in the oldest open room that matches, here or on another
 * node, or in a room created for it here, one creation at a time per type and filter (see `play`).
 */
export class QuickPlay {
  readonly #options: QuickPlayOptions;
  /** Quick plays creating a room here, by type and filter (`quickPlayKey`): one at a time for each. */
  readonly #creations = new Map<string, QuickPlayCreation>();

  constructor(options: QuickPlayOptions) {
    this.#options = options;
  }

  /**
   * Joins the oldest public room of `type` that matches and has a seat, cluster-wide: among the oldest
   * (`QUICK_PLAY_CANDIDATES`), this node's rooms first, then a redirect to another node's (a type with a
   * quick-play order: the first room in it, here or there); creates one here
   * only if none has a seat (see `#playHere`), with `filter` as the new room's first metadata.
   *
   * `sentFrom`: the URLs of the nodes that sent this quick play here (the client names them as it follows
   * their redirects). None of them is a target: their rooms refused the player, or they would not have sent
   * it on. Sent back, a player whose options every room on two nodes refuses went from one to the other
   * until the client gave up, where on one node a room would have been created for them.
   */
  async play(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    options: unknown,
    address: string,
    sentFrom: readonly string[] = [],
  ): Promise<JoinedRoom> {
    if (!this.#options.hasType(type)) throw unknownRoomType(type, this.#options.types());
    const candidates = await this.#candidates(type, filter);
    // Rooms here that refused this player (full by now, or their onJoin said no): not asked again.
    const tried = new Set<string>();
    // In a type's own order, a room on another node that comes first is where the player goes: this
    // node's rooms are tried first only as far as the order reaches before it.
    const ordered = this.#options.orderOf(type) !== undefined;
    const firstRemote = ordered ? await this.#firstLiveRemote(candidates, sentFrom) : undefined;
    for (const listing of candidates) {
      stopIfEnded(session);
      if (listing === firstRemote?.listing) throw redirect(firstRemote.node);
      const host = this.#options.rooms.get(listing.roomId);
      if (!host || host.disposed || host.has(session) || this.#options.isDraining()) continue;
      tried.add(host.roomId);
      const joined = await this.#tryJoin(session, host, options);
      if (joined) return joined;
    }
    const target = await this.#liveNodeOf(candidates, sentFrom);
    stopIfEnded(session);
    if (target) throw redirect(target);
    return this.#playHere(session, type, filter, options, address, tried, sentFrom);
  }

  /**
   * The first open public rooms of `type` that match `filter`, cluster-wide (`QUICK_PLAY_CANDIDATES`), in
   * the type's order: the oldest first, or as `GameServer.define` ordered it.
   */
  #candidates(type: string, filter: Record<string, Scalar> | undefined): Promise<RoomListing[]> {
    const order = this.#options.orderOf(type);
    return this.#options.registry.listRooms({
      type,
      ...(filter ? { filter } : {}),
      ...(order === undefined ? {} : { order }),
      limit: QUICK_PLAY_CANDIDATES,
    });
  }

  /**
   * The live node (not draining) hosting the first of `candidates` that another node hosts, if any; none
   * whose URL is among `sentFrom`.
   */
  async #liveNodeOf(
    candidates: readonly RoomListing[],
    sentFrom: readonly string[],
  ): Promise<NodeTarget | undefined> {
    return (await this.#firstLiveRemote(candidates, sentFrom))?.node;
  }

  /** The first of `candidates` another live node hosts (see `#liveNodeOf`), and that node. */
  async #firstLiveRemote(
    candidates: readonly RoomListing[],
    sentFrom: readonly string[],
  ): Promise<{ listing: RoomListing; node: NodeTarget } | undefined> {
    // Not hosted here, rather than listed under another id: a process that gave its id up to a newer one
    // finds the newer one's rooms under its own id (see OtherNodes).
    const remote = candidates.filter((listing) => !this.#options.rooms.has(listing.roomId));
    if (remote.length === 0) return undefined;
    const live = await this.#options.otherNodes.live();
    for (const [nodeId, node] of live) if (sentFrom.includes(node.url)) live.delete(nodeId);
    const listing = remote.find((candidate) => live.has(candidate.nodeId));
    const node = listing === undefined ? undefined : live.get(listing.nodeId);
    return listing === undefined || node === undefined ? undefined : { listing, node };
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
  async #playHere(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    options: unknown,
    address: string,
    tried: Set<string>,
    sentFrom: readonly string[],
  ): Promise<JoinedRoom> {
    const key = quickPlayKey(type, filter);
    for (let round = 0; !this.#options.isDraining(); round++) {
      stopIfEnded(session);
      const host = this.#openRoom(session, type, filter, tried);
      if (host) {
        tried.add(host.roomId);
        const joined = await this.#tryJoin(session, host, options);
        if (joined) return joined;
        continue;
      }
      const creation = this.#creations.get(key);
      if (creation === undefined || round >= QUICK_PLAY_ROUNDS) break;
      if (await this.#awaitCreation(creation)) {
        // Not back to a node that sent this one here: it looks again, and creates if it finds no seat.
        if (creation.sentTo && !sentFrom.includes(creation.sentTo.url)) throw redirect(creation.sentTo);
      } else if (this.#creations.get(key) === creation) {
        // Stuck: no one waits for it any more (its room still takes players if it ever comes).
        this.#creations.delete(key);
      }
    }
    // A player gone while waiting (their grace ran out) would leave a room behind, on their address.
    stopIfEnded(session);
    // One that went round too often creates without making the others wait for it.
    let finished = () => {};
    let creation: QuickPlayCreation | undefined;
    if (!this.#creations.has(key)) {
      const done = new Promise<void>((resolve) => {
        finished = resolve;
      });
      creation = { done, deadline: this.#options.clock.now() + 2 * QUICK_PLAY_CREATION_WAIT_MS };
      this.#creations.set(key, creation);
    }
    let claim: string | undefined;
    try {
      if (creation && !this.#options.isDraining()) {
        claim = await this.#claimCreation(key);
        creation.deadline = this.#options.clock.now() + QUICK_PLAY_CREATION_WAIT_MS;
        // Claimed (or none to be had): a node that held the claim may have made a room since the read.
        const target = await this.#liveNodeOf(await this.#candidates(type, filter), sentFrom);
        // Gone during the claim's round trips (a registry that was slow to answer): no room for no one.
        stopIfEnded(session);
        if (target) {
          creation.sentTo = target;
          throw redirect(target);
        }
      }
      return await this.#options.create(session, type, options, address, filter);
    } finally {
      if (claim !== undefined) {
        // One not given back (the registry failing) lapses by itself: nothing listed is wrong meanwhile.
        void this.#options.registry.releaseCreation?.(key, claim).catch(() => {});
      }
      if (creation && this.#creations.get(key) === creation) this.#creations.delete(key);
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
   * The first room here, in the type's order (the oldest first by default; ties by id, as the registries
   * break them), that a quick play of `type` and `filter` can join now: public, not locked, not tried yet,
   * the player not in it, and a seat free counting the reservations under way here (which the order counts
   * as players too).
   */
  #openRoom(
    session: Session,
    type: string,
    filter: Record<string, Scalar> | undefined,
    tried: ReadonlySet<string>,
  ): RoomHost | undefined {
    const order = this.#options.orderOf(type);
    // The registries' rule, ties between rooms made in one millisecond by id included: a player is sent to
    // the same room whether the listing or this node's own rooms chose it (the order they were made in
    // would pick another of two such rooms than the listing does).
    const compare = compareListings(order);
    let best: { host: RoomHost; room: ListedRoom } | undefined;
    for (const host of this.#options.rooms.values()) {
      if (host.type !== type || host.isPrivate || host.disposed || host.room.locked) continue;
      if (tried.has(host.roomId) || host.has(session) || host.seatsInUse >= host.room.maxClients) continue;
      const metadata = host.room.metadata;
      if (!Object.entries(filter ?? {}).every(([key, value]) => metadata[key] === value)) continue;
      const room: ListedRoom = {
        roomId: host.roomId,
        clients: host.seatsInUse,
        createdAt: host.createdAt,
        metadata,
        // Listed in the type's order, as this node lists its rooms (see RoomHost's listing).
        ...(order === undefined ? {} : { order }),
      };
      if (best === undefined || compare(room, best.room) < 0) best = { host, room };
    }
    return best?.host;
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
      return await this.#options.join(session, host, options);
    } catch (error) {
      if (!(error instanceof ProtocolError) || this.#options.isRegistryFailure(error)) throw error;
      // A refusal because the player is gone is no answer about this room: the next would refuse too.
      stopIfEnded(session);
      return undefined;
    }
  }
}

/**
 * Ends a quick play whose session ended meanwhile (closed, expired: its requests go unanswered): it seats
 * no one, asks no room for a seat, and creates nothing, which would be left empty on the player's address.
 */
function stopIfEnded(session: Session): void {
  if (session.ended)
    throw new ProtocolError(ErrorCode.SESSION_EXPIRED, 'the session ended during the quick play');
}

/** Which quick plays wait for each other's creations: same type, same filter (its entries in any order). */
function quickPlayKey(type: string, filter: Readonly<Record<string, Scalar>> | undefined): string {
  const entries = Object.entries(filter ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([type, entries]);
}
