import type { Disposer } from '../../common/index.js';
import type { RoomInfo, Scalar } from '../../protocol/index.js';
import type { RoomOrder } from './room-order.js';

/** What the cluster knows of one room: its public listing plus the seats held in it. */
export interface RoomListing extends RoomInfo {
  /** A locked room takes no new players (the app decides, e.g. once a match has started). */
  locked: boolean;
  createdAt: number;
  /**
   * The order its type's quick plays read open rooms in (`GameServer.define`'s `quickPlayOrder`), absent
   * for oldest first: a shared registry indexes the room by it as its seats and metadata change, so that
   * a quick play reads the first rooms of that order without looking at the others.
   */
  order?: RoomOrder;
}

export interface RoomQuery {
  type?: string;
  /** Every entry must equal the room's metadata value under the same key. */
  filter?: Readonly<Record<string, Scalar>>;
  includeFull?: boolean;
  includePrivate?: boolean;
  includeLocked?: boolean;
  /**
   * At most this many rooms (the oldest that match); a positive integer. Default: every match. A shared
   * registry may also stop looking after ten times as many rooms (at least 256), so that a filter few
   * rooms match cannot make one listing read the whole cluster: such a listing may miss later matches.
   */
  limit?: number;
  /**
   * Open rooms of `type` in this order instead of oldest first (see `RoomListing.order`, which the rooms
   * must carry the same: a shared registry reads its index of them); only for a query of one type's open
   * rooms (no include flag), as quick play's is. Ties, and rooms of any other query, go oldest first.
   * The type's rooms listed with no order (a node of an earlier version) come after the ordered ones,
   * oldest first, in every registry (see `compareListings`); rooms created at the same time go by their ids.
   */
  order?: RoomOrder;
}

/** One server process in the cluster, as the others see it. */
export interface NodeInfo {
  nodeId: string;
  /** WebSocket URL that clients are sent to for this node's rooms (its public address). */
  url: string;
  /** A draining node takes no new rooms or players; its running rooms finish, then it leaves. */
  draining: boolean;
  /**
   * Differs for every start of the process (a server makes a random one). A heartbeat under the same
   * `nodeId` with another `bootId` is a restarted process: the rooms listed under the node went with the
   * old one and are removed, even when the restart came before the old heartbeat expired.
   */
  bootId: string;
  /**
   * The room types the node defines (`GameServer.define`), as of its latest heartbeat: a draining node sends
   * creations only to a node that defines their type, which would otherwise refuse them. Absent in a record
   * an earlier version wrote: such a node is taken to define every type, as before.
   */
  roomTypes?: readonly string[];
  /**
   * How busy the node is, as of its latest heartbeat: a draining node spreads its players over the other
   * nodes by it. Absent in a record an earlier version wrote.
   */
  load?: NodeLoad;
}

/** What a node hosts, as its heartbeat reports it (see `NodeInfo.load`). */
export interface NodeLoad {
  /** Player sessions open there, seated in a room or not. */
  sessions: number;
  /** Rooms it hosts. */
  rooms: number;
  /** The most rooms it hosts at once (its `maxRooms`): a node that has as many creates no more. */
  maxRooms: number;
}

/** Players and rooms a draining node sends to one node (see `Registry.planArrivals`). */
export interface Arrival {
  /** Player sessions, each counted once. */
  sessions: number;
  /** Rooms whose players go together (they may make one room there: it counts against `maxRooms`). */
  rooms: number;
}

/**
 * The sessions that came to a node from draining processes, as its heartbeat says them (see
 * `Registry.heartbeat`): one batch, numbered so that a registry applies it once however often it is said.
 */
export interface ArrivedSessions {
  /**
   * The batch's number: a positive integer, larger than the one before among the batches its process says
   * (under its `bootId`). A batch whose heartbeat failed is said again under the same number.
   */
  batch: number;
  /** Sessions by the name of the drain that sent them (the name it plans under: see `planArrivals`). */
  byDrain: ReadonlyMap<string, number>;
}

/** What the draining nodes send the other nodes, as `Registry.arrivals` reads it. */
export interface Arrivals {
  /** Changes with every plan written: a plan made from this reading is refused once another was written. */
  version: number;
  /** By target node id: what every draining node but the reader sends there, its plan not yet expired. */
  byNode: Map<string, Arrival>;
}

/**
 * A change to the room listing, from any node: what a lobby needs to refresh. `reset`: changes may have
 * been missed (a shared registry's subscription was down, or just came up): list again.
 */
export type ListingChange = { change: 'added' | 'updated' | 'removed'; roomId: string } | { change: 'reset' };

export type ListingPatch = Partial<Pick<RoomListing, 'metadata' | 'private' | 'locked' | 'maxClients'>>;

/**
 * The longest a drain plan lives (ms). A drain re-plans as its deadline passes, just before it sends its
 * players away (for a node TTL), so a plan capped here while a long deadline runs loses nothing that
 * matters: until then its players are still on the draining node, counted by its own heartbeats.
 */
export const MAX_ARRIVAL_PLAN_TTL_MS = 60 * 60_000;

/** How long a registry keeps a plan asked for `ttlMs`: at least 1 ms, at most MAX_ARRIVAL_PLAN_TTL_MS. */
export function arrivalPlanTtl(ttlMs: number): number {
  if (!(ttlMs >= 1)) return 1;
  return Math.min(Math.round(ttlMs), MAX_ARRIVAL_PLAN_TTL_MS);
}

/**
 * Where rooms and seats are recorded. Shaped by what the server needs, no more: the in-memory one is the
 * default; a shared one (Redis) lets several processes see one listing. Every method may be remote,
 * hence Promises; `reserveSeat` must be atomic across everyone sharing the registry.
 *
 * Nodes: each node calls `heartbeat` well within `ttlMs`. A node that has heartbeated once and then
 * stops is dead after `ttlMs`: its rooms leave every lookup at once, even if no one cleans up, and the
 * next heartbeat of any node sweeps them away; unless no node heartbeated at all for that long, which is
 * the registry's own stall (see `heartbeat`). Rooms of a node that never heartbeated are listed as is
 * (a lone server needs no heartbeat), as long as no node is recorded; once one is, those of a node never
 * recorded (its first heartbeat failed or is on its way) count only for the longest TTL in force since
 * the node last added a room, and are then swept as a dead node's. A remote registry fails with a ProtocolError whose code is
 * REGISTRY_UNAVAILABLE when it cannot be reached.
 */
export interface Registry {
  /**
   * Adds a room, or writes it again. Fails (false) when its private code is taken by another room, so
   * codes stay unique. Its seats become exactly `seats` (default none), in the same atomic step: a node
   * putting its rooms back after an outage passes the players it holds, and no one can take their seats
   * in between.
   */
  addRoom(listing: RoomListing, seats?: readonly string[]): Promise<boolean>;
  /**
   * Changes a room's listing. Resolves false when the registry has no such room, or none it can read
   * (removed, swept, lost in a Redis failover): nothing is written, and a node updating a room it runs
   * should add it again.
   */
  updateRoom(roomId: string, patch: ListingPatch): Promise<boolean>;
  removeRoom(roomId: string): Promise<void>;
  getRoom(roomId: string): Promise<RoomListing | undefined>;
  findByCode(code: string): Promise<RoomListing | undefined>;
  listRooms(query: RoomQuery): Promise<RoomListing[]>;
  /**
   * Takes a seat for `playerId` if the room exists, is not locked and has one free. Idempotent for a
   * player who already holds a seat there. Atomic: N concurrent calls on a room with k free seats
   * succeed exactly k times.
   */
  reserveSeat(roomId: string, playerId: string): Promise<boolean>;
  releaseSeat(roomId: string, playerId: string): Promise<void>;
  /**
   * Claims, for `token`, the creation of a room by quick play for `key` (a room type and filter), so that
   * the nodes sharing the registry create such rooms one at a time: true if claimed, false while another
   * claim holds it. A claim lasts until released or for `ttlMs`, whichever comes first: a node that dies
   * holding one holds it up for at most that long. Optional: a registry without it leaves quick-play
   * creations one at a time per node only.
   */
  claimCreation?(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Gives back a claim `token` holds; nothing if it expired or another holds the key now. */
  releaseCreation?(key: string, token: string): Promise<void>;
  /**
   * What the draining nodes other than `from` plan to send each node (see `planArrivals`). Optional, as
   * `planArrivals` is.
   */
  arrivals?(from: string): Promise<Arrivals>;
  /**
   * Writes where the draining process `from` sends its players (by target node id), in place of its
   * previous plan, for `ttlMs`: until they have moved and the targets' heartbeats count them. (The server
   * names its drain with a random name of its own, which tells its players nothing of the node, and gives
   * a process that gave its id up to a newer one, both draining, a plan of its own.) Only if no plan was
   * written since the reading of `arrivals` that gave `version` (false, nothing written: read again, plan
   * again), so that nodes draining at once each plan knowing what the others send, and two of them never
   * both take a node's last room to spare. A plan lives `arrivalPlanTtl(ttlMs)`: never more than
   * MAX_ARRIVAL_PLAN_TTL_MS, however long the drain's deadline (one of Infinity made a plan that never
   * expired in memory, and one already expired in Redis). Optional: a registry without it leaves each
   * drain planning by heartbeats alone.
   */
  planArrivals?(
    from: string,
    plan: ReadonlyMap<string, Arrival>,
    ttlMs: number,
    version: number,
  ): Promise<boolean>;
  /**
   * Records `node` as alive (with its URL, draining flag and room types) for `ttlMs` more, and sweeps dead nodes
   * (a node that expired while others heartbeated is swept before it is recorded again). After a stall,
   * when no node heartbeated for longer than the longest TTL in force (a paused Redis, a frozen process),
   * nothing is swept until one TTL after this first heartbeat since: the nodes expired for the stall, not
   * because they died. Resolves false when the registry did not know the node as alive (its first
   * heartbeat, it had expired, a restarted Redis, or another `bootId`: a restarted process, whose
   * predecessor's rooms are removed): its rooms may be gone or stale and should be added again.
   *
   * `held`: this process has heartbeated under the id before. A live heartbeat of another `bootId` is then
   * not a restart but a second process given the same id: the heartbeat throws `NodeIdInUseError` and
   * changes nothing, so the two do not keep removing each other's rooms.
   *
   * `arrived`: the sessions that came to the node from each draining process (by the name it plans under,
   * see `planArrivals`) and that no heartbeat has been known to record, which `node.load` now counts. They
   * are taken off that drain's plan for the node in the same step (its sessions, and its rooms down to as
   * many as the sessions left), so that a player who arrived counts once: in the load, no longer in the
   * plan. Exactly once: the registry remembers, in that step, the newest batch it applied for the node
   * and its `bootId`, and a batch numbered no higher is not applied again. A heartbeat that failed may
   * have been recorded all the same (its answer lost): its batch is said again, and taken off only if it
   * was not. A registry that forgot the node's batches (restarted empty) applies the next one said: its
   * plans went with them. Optional to honour, as `planArrivals` is: a registry that ignores it counts
   * arrived players twice until the plan expires.
   */
  heartbeat(node: NodeInfo, ttlMs: number, held?: boolean, arrived?: ArrivedSessions): Promise<boolean>;
  /**
   * A clean leave: the node and all its rooms go at once. With `bootId`, only while the node's live
   * record is that process's (or there is none): a process that gave its id up to another one (see
   * `heartbeat`) leaves that one's record and rooms alone.
   */
  removeNode(nodeId: string, bootId?: string): Promise<void>;
  /** Nodes whose heartbeat has not expired, by node id; in a stall (see `heartbeat`), every listed node. */
  listNodes(): Promise<NodeInfo[]>;
  /** Calls `listener` for every listing change made by any node (including this one), until disposed. */
  subscribe(listener: (change: ListingChange) => void): Disposer;
  /**
   * Delivers `message` to every listener of `channel` (see `subscribeChannel`) on every node sharing the
   * registry, this one included: at most once each, in the order one node published them, and not to a
   * subscription that was down as it was published (best effort, as pub/sub is). Resolves with how many
   * subscriptions it reached (0: no one listens there); fails REGISTRY_UNAVAILABLE as any call does.
   * Optional, with `subscribeChannel`: without them, messages between nodes (`GameServer.callRoom` into
   * another node's room, `GameServer.publish`) reach this node's own rooms and subscribers only.
   */
  publish?(channel: string, message: string): Promise<number>;
  /**
   * Calls `listener` with every message published on `channel` from now on, until disposed; each call is a
   * subscription of its own, which `publish` counts. Resolves once the subscription is in place, so that a
   * message published after that is heard (while a shared registry's store is unreachable, once it is back).
   *
   * `onGap`, if given, is called each time the subscription is back in place after it was down (the
   * connection to a shared store cut and made again): what was published meanwhile was not delivered, and
   * pub/sub cannot replay it, so the subscriber may want to read again what it keeps in step. Called once
   * messages published from then on are heard again; never for a registry whose subscriptions cannot drop
   * (the in-memory one), and possibly once too often (after a reconnect that lost nothing).
   *
   * `onDown`, if given with `onGap`, is called each time the subscription in place goes down (the
   * connection to the shared store lost): nothing reaches it until `onGap` says it is back. So a node can
   * tell that it is not subscribed right now. Never for the in-memory registry; possibly once too often.
   */
  subscribeChannel?(
    channel: string,
    listener: (message: string) => void,
    onGap?: () => void,
    onDown?: () => void,
  ): Promise<Disposer>;
  close(): Promise<void>;
}

/** A heartbeat found the node's id held by another live process (see `Registry.heartbeat`). */
export class NodeIdInUseError extends Error {
  constructor(
    readonly nodeId: string,
    /** The public URL the other process gave. */
    readonly otherUrl: string,
  ) {
    super(
      `node id '${nodeId}' is in use by another live process (${otherUrl || 'no URL'}): ` +
        'give each server process its own NODE_ID',
    );
    this.name = 'NodeIdInUseError';
  }
}

export function matchesQuery(listing: RoomListing, query: RoomQuery): boolean {
  if (query.type !== undefined && listing.type !== query.type) return false;
  if (!query.includePrivate && listing.private) return false;
  if (!query.includeLocked && listing.locked) return false;
  if (!query.includeFull && listing.clients >= listing.maxClients) return false;
  for (const [key, value] of Object.entries(query.filter ?? {})) {
    if (listing.metadata[key] !== value) return false;
  }
  return true;
}

/**
 * Calls a subscriber with a change (or a channel's message: `what` names it). A listener that throws is
 * the app's bug, but it must not take the process down (it runs in a microtask or a Redis client's event,
 * where nothing would catch it) nor keep the other listeners from hearing: it is logged and the next one
 * is called.
 */
export function callListener<T>(listener: (change: T) => void, change: T, what = 'a listing change'): void {
  try {
    listener(change);
  } catch (error) {
    console.error(`vehikill-net: a registry subscriber threw on ${what}:`, error);
  }
}
