import { type Clock, type Disposer, realClock } from '../../common/index.js';
import { ArrivalPlans } from './arrival-plans.js';
import { ChannelListeners } from './channel-listeners.js';
import {
  type Arrival,
  type Arrivals,
  type ArrivedSessions,
  callListener,
  type ListingChange,
  type ListingPatch,
  matchesQuery,
  NodeIdInUseError,
  type NodeInfo,
  type Registry,
  type RoomListing,
  type RoomQuery,
} from './registry.js';
import { compareListings, orderOf } from './room-order.js';
import { wellFormed } from './well-formed-json.js';

/** How long a swept node is remembered as dead (ms): see `#sweep`. */
const GONE_MS = 600_000;

export interface MemoryRegistryOptions {
  /** Time for node heartbeat expiry. Default: the real clock. */
  clock?: Clock;
}

/** The default registry: one process, no setup. Atomicity is free since each call runs to completion. */
export class MemoryRegistry implements Registry {
  readonly #clock: Clock;
  readonly #rooms = new Map<string, { listing: RoomListing; seats: Set<string> }>();
  readonly #codes = new Map<string, string>();
  readonly #nodes = new Map<string, { info: NodeInfo; expiresAt: number; ttlMs: number }>();
  /** Swept nodes, until when they are remembered as dead. */
  readonly #gone = new Map<string, number>();
  /**
   * Nodes with rooms but no record (never heartbeated, or not since they left): when each last added a
   * room. See `#nodeAlive`.
   */
  readonly #unrecorded = new Map<string, number>();
  readonly #listeners = new Set<(change: ListingChange) => void>();
  readonly #channels = new ChannelListeners();
  /** Quick-play creation claims (see `Registry.claimCreation`): holder and expiry, by key. */
  readonly #claims = new Map<string, { token: string; expiresAt: number }>();
  /** Drain plans (see `Registry.planArrivals`). */
  readonly #arrivals: ArrivalPlans;
  /** When the newest heartbeat of any node came. */
  #lastBeatAt: number | undefined;
  /** Until when a stall's grace lasts (see `#stalled`). */
  #graceUntil = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryRegistryOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#arrivals = new ArrivalPlans(this.#clock);
  }

  // Strings are kept well-formed (a lone surrogate becomes U+FFFD), as a shared registry must keep them.
  async addRoom(given: RoomListing, seats: readonly string[] = []): Promise<boolean> {
    const listing = wellFormed(given);
    if (listing.code !== undefined) {
      const holder = this.#codes.get(listing.code);
      // A code left by a room that is gone is free (as in Redis, where an unreadable listing can leave one),
      // and so is one of a dead node's room not swept yet: `findByCode` finds no room under it either, and a
      // creation draws its code by that lookup.
      const holding = holder === undefined || holder === listing.roomId ? undefined : this.#rooms.get(holder);
      if (holding !== undefined && this.#nodeAlive(holding.listing.nodeId)) return false;
      this.#codes.set(listing.code, listing.roomId);
    }
    const held = new Set(seats);
    const { nodeId } = listing;
    const now = this.#clock.now();
    if (!this.#nodes.has(nodeId) && (this.#gone.get(nodeId) ?? 0) <= now) this.#unrecorded.set(nodeId, now);
    this.#rooms.set(listing.roomId, { listing: { ...listing, clients: held.size }, seats: held });
    this.#emit('added', listing.roomId);
    return true;
  }

  async updateRoom(roomId: string, patch: ListingPatch): Promise<boolean> {
    const entry = this.#rooms.get(roomId);
    if (!entry) return false;
    entry.listing = { ...entry.listing, ...wellFormed(patch) };
    this.#emit('updated', roomId);
    return true;
  }

  async removeRoom(roomId: string): Promise<void> {
    const entry = this.#rooms.get(roomId);
    if (!entry) return;
    this.#rooms.delete(roomId);
    if (entry.listing.code !== undefined && this.#codes.get(entry.listing.code) === roomId) {
      this.#codes.delete(entry.listing.code);
    }
    this.#emit('removed', roomId);
  }

  async getRoom(roomId: string): Promise<RoomListing | undefined> {
    const entry = this.#rooms.get(roomId);
    return entry && this.#nodeAlive(entry.listing.nodeId) ? { ...entry.listing } : undefined;
  }

  async findByCode(code: string): Promise<RoomListing | undefined> {
    const roomId = this.#codes.get(code);
    return roomId === undefined ? undefined : this.getRoom(roomId);
  }

  async listRooms(given: RoomQuery): Promise<RoomListing[]> {
    const query = wellFormed(given);
    const found: RoomListing[] = [];
    for (const { listing } of this.#rooms.values()) {
      if (matchesQuery(listing, query) && this.#nodeAlive(listing.nodeId)) found.push({ ...listing });
    }
    // Every room is read here anyway: an order costs a sort of the matches, as oldest first does. Rooms
    // listed with no order come after the ordered ones, as the Redis registry reads them.
    found.sort(compareListings(orderOf(query)));
    return query.limit === undefined ? found : found.slice(0, query.limit);
  }

  async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    const entry = this.#rooms.get(roomId);
    if (!entry || !this.#nodeAlive(entry.listing.nodeId)) return false;
    if (entry.seats.has(playerId)) return true;
    if (entry.listing.locked || entry.seats.size >= entry.listing.maxClients) return false;
    entry.seats.add(playerId);
    entry.listing = { ...entry.listing, clients: entry.seats.size };
    this.#emit('updated', roomId);
    return true;
  }

  async releaseSeat(roomId: string, playerId: string): Promise<void> {
    const entry = this.#rooms.get(roomId);
    if (!entry?.seats.delete(playerId)) return;
    entry.listing = { ...entry.listing, clients: entry.seats.size };
    this.#emit('updated', roomId);
  }

  async claimCreation(key: string, token: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const held = this.#claims.get(key);
    if (held !== undefined && held.token !== token && held.expiresAt > now) return false;
    this.#claims.set(key, { token, expiresAt: now + ttlMs });
    // Expired ones go as new ones come, so that claims never released cannot pile up.
    for (const [other, claim] of this.#claims) if (claim.expiresAt <= now) this.#claims.delete(other);
    return true;
  }

  async releaseCreation(key: string, token: string): Promise<void> {
    if (this.#claims.get(key)?.token === token) this.#claims.delete(key);
  }

  async arrivals(from: string): Promise<Arrivals> {
    return this.#arrivals.read(wellFormed(from));
  }

  async planArrivals(
    from: string,
    plan: ReadonlyMap<string, Arrival>,
    ttlMs: number,
    version: number,
  ): Promise<boolean> {
    return this.#arrivals.write(wellFormed(from), plan, ttlMs, version);
  }

  async heartbeat(given: NodeInfo, ttlMs: number, held = false, arrived?: ArrivedSessions): Promise<boolean> {
    // Kept well-formed, as its rooms' listings are (and as Redis must keep it): see `addRoom`.
    const node = wellFormed(given);
    const previous = this.#nodes.get(node.nodeId);
    const sameProcess = previous?.info.bootId === node.bootId;
    const live = (previous?.expiresAt ?? 0) > this.#clock.now();
    if (held && previous !== undefined && !sameProcess && live) {
      throw new NodeIdInUseError(node.nodeId, previous.info.url);
    }
    const known = sameProcess && live;
    // Another process under the same id: the rooms listed under it died with the old one. (A node swept
    // as dead had its rooms removed then.)
    if (previous !== undefined && !sameProcess) this.#removeRoomsOf(node.nodeId);
    this.#noteBeat(ttlMs);
    // Its rooms from before this first heartbeat are its own to put right (it is told it was not known).
    this.#unrecorded.delete(node.nodeId);
    if (!this.#stalled()) this.#sweep();
    this.#nodes.set(node.nodeId, { info: { ...node }, expiresAt: this.#clock.now() + ttlMs, ttlMs });
    this.#gone.delete(node.nodeId);
    if (arrived !== undefined) {
      const byDrain = new Map([...arrived.byDrain].map(([drain, n]) => [wellFormed(drain), n]));
      this.#arrivals.settle(node, { batch: arrived.batch, byDrain });
    }
    return known;
  }

  async removeNode(given: string, bootId?: string): Promise<void> {
    const nodeId = wellFormed(given);
    const record = this.#nodes.get(nodeId);
    const live = record !== undefined && record.expiresAt > this.#clock.now();
    if (bootId !== undefined && live && record.info.bootId !== bootId) return;
    this.#nodes.delete(nodeId);
    this.#unrecorded.delete(nodeId);
    this.#gone.set(nodeId, this.#clock.now() + GONE_MS);
    this.#removeRoomsOf(nodeId);
  }

  async listNodes(): Promise<NodeInfo[]> {
    const now = this.#clock.now();
    // In a stall every recorded node is listed, as its rooms are: joins can still be sent there.
    const stalled = this.#stalled();
    return [...this.#nodes.values()]
      .filter((node) => node.expiresAt > now || stalled)
      .map((node) => copyNode(node.info));
  }

  subscribe(listener: (change: ListingChange) => void): Disposer {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    const listeners = this.#channels.snapshot(channel);
    // Delivered later, as pub/sub would (see `#emit`), in the order published; not to one disposed since.
    if (listeners.size > 0) queueMicrotask(() => this.#channels.deliver(channel, message, listeners));
    return listeners.size;
  }

  async subscribeChannel(channel: string, listener: (message: string) => void): Promise<Disposer> {
    const remove = this.#channels.add(channel, listener);
    return () => {
      remove();
    };
  }

  async close(): Promise<void> {
    this.#channels.clear();
    this.#rooms.clear();
    this.#codes.clear();
    this.#nodes.clear();
    this.#gone.clear();
    this.#unrecorded.clear();
    this.#arrivals.clear();
    this.#listeners.clear();
  }

  /**
   * A recorded node is alive until its heartbeat expires, and while the registry is in a stall (see
   * `#stalled`); one swept not long ago is dead. A node never recorded (its first heartbeat failed, or is
   * on its way) counts as alive for the longest TTL in force since it last added a room: had it died
   * before any heartbeat came through, its rooms would otherwise be listed for good. With no node recorded
   * at all, it counts as alive (a lone server needs no heartbeat), and so in a stall.
   */
  #nodeAlive(nodeId: string): boolean {
    const now = this.#clock.now();
    const node = this.#nodes.get(nodeId);
    if (node !== undefined) return node.expiresAt > now || this.#stalled();
    if ((this.#gone.get(nodeId) ?? 0) > now) return false;
    const longest = this.#longestTtl();
    return longest === 0 || this.#stalled() || now - (this.#unrecorded.get(nodeId) ?? 0) < longest;
  }

  /**
   * No node heartbeated for longer than the longest TTL in force (the process stood still: every node in
   * it did), or one did less than a TTL ago after such a silence: heartbeats expired for that, not because
   * nodes died, so nothing is swept until each node has had a TTL to heartbeat again. The same rule as the
   * Redis registry's, where a paused or restarted Redis is the usual cause.
   */
  #stalled(): boolean {
    const now = this.#clock.now();
    return now < this.#graceUntil || this.#silentTooLong(now);
  }

  /** With no node recorded there is no TTL to be silent for: no stall. */
  #silentTooLong(now: number): boolean {
    const longest = this.#longestTtl();
    return this.#lastBeatAt !== undefined && longest > 0 && now - this.#lastBeatAt > longest;
  }

  /**
   * The longest TTL among the recorded nodes: a node with a long TTL heartbeats seldom, a silence shorter
   * than its TTL is no stall, and after one it must have its TTL to come back.
   */
  #longestTtl(): number {
    let longest = 0;
    for (const node of this.#nodes.values()) longest = Math.max(longest, node.ttlMs);
    return longest;
  }

  #noteBeat(ttlMs: number): void {
    const now = this.#clock.now();
    if (this.#silentTooLong(now)) this.#graceUntil = now + Math.max(ttlMs, this.#longestTtl());
    this.#lastBeatAt = now;
  }

  /**
   * Removes dead nodes and their rooms. A swept node is remembered as gone for a while: one that was only
   * stalled may add a room before its next heartbeat (which puts its rooms back); forgotten, that room
   * would count as a never-seen node's, listed for a TTL. Such rooms are not listed, and each sweep
   * removes them. So does it the rooms of a node never recorded once they no longer count (`#nodeAlive`).
   */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [nodeId, node] of [...this.#nodes]) {
      if (node.expiresAt > now) continue;
      this.#nodes.delete(nodeId);
      this.#gone.set(nodeId, now + GONE_MS);
    }
    for (const [nodeId, until] of [...this.#gone]) {
      this.#removeRoomsOf(nodeId);
      if (until <= now) this.#gone.delete(nodeId);
    }
    // Kept while the node may still say a batch again: recorded, or swept not long ago.
    this.#arrivals.forgetBatches((nodeId) => this.#nodes.has(nodeId) || this.#gone.has(nodeId));
    const longest = this.#longestTtl();
    for (const [nodeId, addedAt] of [...this.#unrecorded]) {
      if (longest === 0 || now - addedAt < longest) continue;
      this.#unrecorded.delete(nodeId);
      this.#removeRoomsOf(nodeId);
    }
  }

  #removeRoomsOf(nodeId: string): void {
    for (const [roomId, entry] of [...this.#rooms]) {
      if (entry.listing.nodeId === nodeId) void this.removeRoom(roomId);
    }
  }

  #emit(change: 'added' | 'updated' | 'removed', roomId: string): void {
    if (this.#listeners.size === 0) return;
    // Delivered later, as pub/sub would, so a listener never runs inside a registry call.
    queueMicrotask(() => {
      for (const listener of [...this.#listeners]) callListener(listener, { change, roomId });
    });
  }
}

/** A copy down to its room types: a caller changing what it was given must not change the record. */
function copyNode(info: NodeInfo): NodeInfo {
  const copy = { ...info };
  if (info.roomTypes !== undefined) copy.roomTypes = [...info.roomTypes];
  if (info.load !== undefined) copy.load = { ...info.load };
  return copy;
}
