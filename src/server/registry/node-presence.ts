import { type Cancel, type Clock, every } from '../../common/index.js';
import type { MetricsSink } from '../metrics.js';
import { ArrivalTally } from '../rooms/drain-arrivals.js';
import type { RoomManager } from '../rooms/room-manager.js';
import type { OtherNodesCheck } from './other-nodes-check.js';
import { NodeIdInUseError, type Registry } from './registry.js';

/** What a node's record in the registry is made from. */
export interface NodePresenceContext {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly metrics: MetricsSink;
  readonly nodeId: string;
  /** Tells the registry this is a new process when it reuses a node id (see `NodeInfo.bootId`). */
  readonly bootId: string;
  /** The node's record expires this long (ms) after its last heartbeat; heartbeats go three times as often. */
  readonly nodeTtlMs: number;
  /** The node's room limit, as its load says it. */
  readonly maxRooms: number;
  readonly rooms: RoomManager;
  /** Sessions held on this node now, as its load says it. */
  sessionCount(): number;
  /** Warnings that matter once other nodes share the registry (see OtherNodesCheck), if any may apply. */
  readonly otherNodesCheck: OtherNodesCheck | undefined;
}

/**
 * This node's record in the shared registry: heartbeats that keep it listed (with its URL, room types,
 * load and the sessions other nodes' drains sent here), the node's rooms put back after an outage, one
 * warning per outage, and the node id given up when another live process holds it.
 */
export class NodePresence {
  /** Sessions other nodes' drains sent here, until a heartbeat records them (`Registry.heartbeat`). */
  readonly arrivals = new ArrivalTally();
  readonly #ctx: NodePresenceContext;
  #url: string | undefined;
  #cancelBeats: Cancel | undefined;
  /** The heartbeat running now, if any. */
  #beat: Promise<void> | undefined;
  /** The last heartbeat failed: the registry is unreachable (logged once per outage). */
  #registryDown = false;
  /** A heartbeat under this node's id went through: a live one of another process is then a duplicate id. */
  #heldNodeId = false;
  /** When the first heartbeat went through (clock ms). */
  #heldSince = 0;
  /** The id was found held by another live process, and given up: no more heartbeats. */
  #yieldedNodeId = false;
  /** Whether another live node's URL was compared with this one's (see `#warnOfSharedUrl`). */
  #urlChecked = false;
  /** The node left the registry for good (`leave`): no more heartbeats. */
  #left = false;

  constructor(ctx: NodePresenceContext) {
    this.#ctx = ctx;
  }

  /** Whether this process gave its node id up to a newer one (see `#yieldNodeId`). */
  get yieldedNodeId(): boolean {
    return this.#yieldedNodeId;
  }

  /** Lists the node at `url` and keeps it listed; resolves after the first heartbeat (failed or not). */
  start(url: string): Promise<void> {
    this.#url = url;
    this.#cancelBeats = every(this.#ctx.clock, this.#ctx.nodeTtlMs / 3, () => {
      // One at a time: a slow registry must not start a second putting-back of every room.
      if (this.#beat === undefined) void this.beat();
    });
    return this.beat();
  }

  /**
   * Tells the registry this node is alive, after any heartbeat still running. After an outage (or if the
   * registry forgot this node, or a write about its rooms failed), puts the node's rooms back as they
   * are, since other nodes may have swept them as a dead node's.
   */
  async beat(): Promise<void> {
    const previous = this.#beat;
    const beat = (previous ?? Promise.resolve()).then(() => this.#beatNow());
    this.#beat = beat;
    try {
      await beat;
    } finally {
      if (this.#beat === beat) this.#beat = undefined;
    }
  }

  /**
   * Takes the node out of the registry for good: no heartbeat after, and one already on its way lands
   * before the removal (landing after, it would list the node again until its record expired).
   */
  async leave(): Promise<void> {
    this.#left = true;
    this.#cancelBeats?.();
    await this.#beat?.catch(() => {});
    await this.#ctx.registry.removeNode(this.#ctx.nodeId, this.#ctx.bootId).catch(() => {});
  }

  /**
   * No more heartbeats (the process is closing and takes the node out of the registry itself, without
   * waiting for a heartbeat on its way: a registry that hangs must not hold the close).
   */
  stop(): void {
    this.#left = true;
    this.#cancelBeats?.();
  }

  async #beatNow(): Promise<void> {
    const ctx = this.#ctx;
    const url = this.#url;
    if (url === undefined || this.#yieldedNodeId || this.#left) return;
    const node = {
      nodeId: ctx.nodeId,
      url,
      draining: ctx.rooms.draining,
      bootId: ctx.bootId,
      // So that a draining node sends a creation only where its type is defined (see OtherNodes).
      roomTypes: ctx.rooms.types,
      // So that a draining node spreads its players by load (see DrainTargets). JSON has no Infinity.
      load: {
        sessions: ctx.sessionCount(),
        rooms: ctx.rooms.roomCount,
        maxRooms: Math.min(ctx.maxRooms, Number.MAX_SAFE_INTEGER),
      },
    };
    // Taken as the load is read, which counts them: the registry takes them off their drains' plans. Said
    // again after a heartbeat that failed, which may have been recorded all the same: the batch's number
    // keeps the registry from taking them off twice.
    const arrived = this.arrivals.next();
    try {
      const known = await ctx.registry.heartbeat(node, ctx.nodeTtlMs, this.#heldNodeId, arrived);
      this.arrivals.recorded(arrived);
      const now = ctx.clock.now();
      if (!this.#heldNodeId) this.#heldSince = now;
      this.#heldNodeId = true;
      // Once a crashed predecessor's record (same URL, another id) has had time to expire.
      if (!this.#urlChecked && now - this.#heldSince > ctx.nodeTtlMs) {
        this.#urlChecked = true;
        void this.#warnOfSharedUrl(node.url);
      }
      if (!known || this.#registryDown || ctx.rooms.registryStale) await ctx.rooms.reconcileRegistry();
      else await ctx.rooms.retryRefusedRooms();
      await ctx.otherNodesCheck?.check(ctx.registry, node, now);
      if (this.#registryDown) console.warn(`vehikill-net: node ${ctx.nodeId}: the registry is back`);
      this.#registryDown = false;
    } catch (error) {
      if (error instanceof NodeIdInUseError) {
        this.#yieldNodeId(error);
        return;
      }
      ctx.metrics.count('registry_failures_total');
      if (!this.#registryDown) {
        const why = error instanceof Error ? error.message : String(error);
        console.warn(`vehikill-net: node ${ctx.nodeId}: heartbeat to the registry failed: ${why}`);
      }
      this.#registryDown = true;
    }
  }

  /**
   * Another live node named the same public URL (a copied configuration): clients sent to either reach
   * whichever answers there, and joins of the other's rooms fail. Checked once, a node TTL after this
   * node's first heartbeat: a crashed predecessor at the same URL under another id has expired by then.
   */
  async #warnOfSharedUrl(url: string): Promise<void> {
    const ctx = this.#ctx;
    const nodes = await ctx.registry.listNodes().catch(() => []);
    const others = nodes.filter((other) => other.url === url && other.nodeId !== ctx.nodeId);
    if (others.length === 0) return;
    ctx.metrics.count('node_url_conflicts_total');
    console.error(
      `vehikill-net: node ${ctx.nodeId}: its public URL ${url} is also node ${others.map((other) => other.nodeId).join(', ')}'s; ` +
        'each node needs a URL of its own (PUBLIC_URL), or players are sent to the wrong one',
    );
  }

  /**
   * Another process heartbeats under this node's id: a configuration mistake, or a restart whose new
   * process came up before this one stopped. This one, the older, gives the id up: it stops heartbeating
   * (its rooms leave the listing, not the players in them), takes no new rooms, and when it stops it
   * leaves the other's record alone; its drain sends players to the other. It says so once.
   */
  #yieldNodeId(error: NodeIdInUseError): void {
    this.#yieldedNodeId = true;
    this.#ctx.metrics.count('node_id_conflicts_total');
    console.error(`vehikill-net: ${error.message}; this process takes no new rooms`);
    if (!this.#ctx.rooms.draining) void this.#ctx.rooms.startDraining().catch(() => {});
  }
}
