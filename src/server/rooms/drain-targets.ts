import { backoffDelay, type Clock, realClock } from '../../common/index.js';
import type { Arrival, NodeInfo, Registry } from '../registry/registry.js';
import { defines } from './other-nodes.js';

/** A player a draining node sends away, with the room it is in there, if any. */
export interface Leaver {
  /** Undefined for a connection with no session (one that came after the goodbye). */
  playerId: string | undefined;
  room: { roomId: string; type: string; players: number } | undefined;
}

/**
 * A node to send players to, with what it hosts counting what other draining nodes send it and what this
 * drain has sent it so far (`planned`).
 */
interface Target {
  url: string;
  node: NodeInfo;
  sessions: number;
  rooms: number;
  maxRooms: number;
  planned: Arrival;
}

/**
 * Where a draining node sends its players, so that they do not all land on one node. The players of a
 * room go together (they quick-play again where they land, and find each other there); players in no
 * room go one by one. Each room goes to the node with the fewest sessions among those that define its type
 * and have a room to spare below their `maxRooms` (as their heartbeats report it, plus what this drain has
 * sent them so far, and what other nodes draining at the same time send them: see `Registry.planArrivals`),
 * so the rooms are spread by load, largest first. Where no node qualifies, the nearest:
 * any node that defines the type, then any node at all (the player at least keeps a session). A player
 * keeps the node it was told first (the drain notice names it) while that node takes players.
 */
export class DrainTargets {
  /** Times the waits between refused plans (see `planShared`). */
  readonly #clock: Clock;
  readonly #random: () => number;
  /**
   * The types of the rooms running here, as of the last `plan`: a player in no room goes where they are all
   * defined (it may have just left one, and quick-play that type again).
   */
  #typesHere: readonly string[] = [];
  /** The nodes that take players, by URL, with their loads (see `plan`). */
  #targets = new Map<string, Target>();
  readonly #byPlayer = new Map<string, string>();
  readonly #byRoom = new Map<string, string>();
  /** The rooms ('room:' id) and lone players ('player:' id) counted in the loads since the last `plan`. */
  readonly #counted = new Set<string>();
  readonly #nodeId: (() => string) | undefined;

  /**
   * `random` draws the jitter of the waits between refused plans; `nodeId` names the node in warnings
   * (a drain's own name is random, to tell its players nothing, and so tells an operator nothing either).
   */
  constructor(options: { clock?: Clock; random?: () => number; nodeId?: () => string } = {}) {
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#nodeId = options.nodeId;
  }

  /**
   * Takes the nodes that take players now (live, not draining, not this one) with their loads, and plans
   * where `leavers` go: those told a node that is still among them keep it (and count in its load first),
   * the others are spread, largest rooms first. `typesHere`: the types of the rooms running here.
   * `arriving`: what other draining nodes send each node (by node id), counted in its load. Returns each
   * leaver's URL, '' when there is no node.
   */
  plan(
    nodes: readonly NodeInfo[],
    leavers: readonly Leaver[],
    typesHere: readonly string[],
    arriving: ReadonlyMap<string, Arrival> = new Map(),
  ): string[] {
    this.#targets = new Map(nodes.map((node) => [node.url, targetOf(node, arriving.get(node.nodeId))]));
    this.#typesHere = [...new Set(typesHere)];
    this.#counted.clear();
    const rank = (leaver: Leaver) =>
      this.#kept(leaver) === undefined ? (leaver.room?.players ?? 1) : Number.MAX_SAFE_INTEGER;
    const urls = new Map<Leaver, string>();
    for (const leaver of [...leavers].sort((x, y) => rank(y) - rank(x)))
      urls.set(leaver, this.targetFor(leaver));
    return leavers.map((leaver) => urls.get(leaver) ?? '');
  }

  /**
   * Plans as `plan` does, counting in each node's load what the other draining nodes send it, and writes
   * what this drain sends each node to `registry` for `ttlMs` under `from` (this process's name). When
   * another drain wrote its plan between the reading and the writing, waits a little (full jitter, from
   * `PLAN_RETRY_BASE_MS` doubling up to `PLAN_RETRY_MAX_MS`), reads and plans again, until its plan is
   * written: each drain plans knowing every plan written before its own, so nodes draining at once do not
   * all pick the least loaded node, nor take one room to spare twice. A plan given up after a number of
   * refusals was told to its players but to no other drain, which then sent theirs to the same nodes as if
   * those players were not coming. Every refusal is another drain's plan written, and each drain writes
   * two: among k drains at once one is refused at most 2(k - 1) times, so this ends. A registry that still
   * refuses after `ttlMs` (the plan's own life; no crowd of drains takes that long) is not keeping the
   * contract: the last plan then stands unwritten, and a warning says so, rather than the drain waiting
   * for good. A registry without plans, or one that fails, leaves the plan to the heartbeats' loads alone.
   */
  async planShared(
    registry: Pick<Registry, 'arrivals' | 'planArrivals'>,
    from: string,
    nodes: readonly NodeInfo[],
    leavers: readonly Leaver[],
    typesHere: readonly string[],
    ttlMs: number,
  ): Promise<void> {
    const giveUpAt = this.#clock.now() + ttlMs;
    for (let refusals = 0; ; refusals++) {
      const seen = await registry.arrivals?.(from).catch(() => undefined);
      // What a refused plan chose was told no one: the next attempt must not keep it.
      const told = this.#toldTo(leavers);
      this.plan(nodes, leavers, typesHere, seen?.byNode);
      if (seen === undefined) return;
      if (refusals > 0 && this.#clock.now() >= giveUpAt) {
        console.warn(
          `vehikill-net: ${this.#nodeId === undefined ? '' : `node ${this.#nodeId()}, `}drain ${from}: the registry refused its plan ${refusals} times over ${ttlMs.toLocaleString('en-US')} ms; ` +
            'its players go where planned, but other drains do not count them',
        );
        return;
      }
      const written = await registry
        .planArrivals?.(from, this.arrivals(), ttlMs, seen.version)
        .catch(() => undefined);
      if (written !== false) return;
      for (const [byKey, key, url] of told) {
        if (url === undefined) byKey.delete(key);
        else byKey.set(key, url);
      }
      await this.#wait(backoffDelay(refusals, PLAN_RETRY_BACKOFF, this.#random));
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimeout(resolve, ms));
  }

  /**
   * The nodes the leavers (and their rooms) were told so far, to put back after a refused plan: only
   * theirs, as a player saying hello meanwhile is told its own (`targetFor`).
   */
  #toldTo(leavers: readonly Leaver[]): (readonly [Map<string, string>, string, string | undefined])[] {
    return leavers.flatMap(({ playerId, room }) => [
      ...(playerId === undefined ? [] : [[this.#byPlayer, playerId, this.#byPlayer.get(playerId)] as const]),
      ...(room === undefined ? [] : [[this.#byRoom, room.roomId, this.#byRoom.get(room.roomId)] as const]),
    ]);
  }

  /**
   * Where one leaver goes: the node it was told, or its room's, while that node takes players; else one
   * chosen now (see the class). '' when there is none.
   */
  targetFor(leaver: Leaver): string {
    const url =
      this.#kept(leaver) ??
      this.#live(this.#byRoom.get(leaver.room?.roomId ?? '')) ??
      this.#choose(leaver.room === undefined ? this.#typesHere : [leaver.room.type]);
    if (url === undefined) return '';
    this.#count(url, leaver);
    if (leaver.playerId !== undefined) this.#byPlayer.set(leaver.playerId, url);
    if (leaver.room !== undefined) this.#byRoom.set(leaver.room.roomId, url);
    return url;
  }

  /** What this drain sends each node, by node id, as planned so far: for `Registry.planArrivals`. */
  arrivals(): Map<string, Arrival> {
    const planned = [...this.#targets.values()].filter(({ planned }) => planned.sessions > 0);
    return new Map(planned.map((target) => [target.node.nodeId, { ...target.planned }]));
  }

  /** The node the leaver was told, if it still takes players. */
  #kept(leaver: Leaver): string | undefined {
    return leaver.playerId === undefined ? undefined : this.#live(this.#byPlayer.get(leaver.playerId));
  }

  /** `url` if it is a node that takes players now. */
  #live(url: string | undefined): string | undefined {
    return url !== undefined && this.#targets.has(url) ? url : undefined;
  }

  /** Counts the leaver in the load of the node at `url`: its whole room, once. */
  #count(url: string, leaver: Leaver): void {
    const key = leaver.room === undefined ? `player:${leaver.playerId}` : `room:${leaver.room.roomId}`;
    const target = this.#targets.get(url);
    if (target === undefined || (leaver.playerId !== undefined && this.#counted.has(key))) return;
    this.#counted.add(key);
    const rooms = leaver.room === undefined ? 0 : 1;
    const sessions = leaver.room?.players ?? 1;
    target.sessions += sessions;
    target.rooms += rooms;
    target.planned.sessions += sessions;
    target.planned.rooms += rooms;
  }

  #choose(types: readonly string[]): string | undefined {
    const all = [...this.#targets.values()];
    let pool = narrowed(all, (target) => types.every((type) => defines(target.node, type)));
    pool = narrowed(pool, (target) => target.rooms < target.maxRooms);
    const fewest = Math.min(...pool.map((target) => target.sessions));
    const least = pool.filter((target) => target.sessions === fewest);
    return least[Math.floor(Math.random() * least.length)]?.url;
  }
}

/**
 * The wait before planning again after a refused plan (ms): a random part of 10 ms after the first
 * refusal, doubling to 1 s. Drains that read the same version at once would otherwise all plan again at
 * once, and all but one be refused again; a registry round trip is about a millisecond.
 */
export const PLAN_RETRY_BASE_MS = 10;
export const PLAN_RETRY_MAX_MS = 1_000;
const PLAN_RETRY_BACKOFF = { baseMs: PLAN_RETRY_BASE_MS, maxMs: PLAN_RETRY_MAX_MS };

/** The targets that `keep`, or all of them when none does. */
function narrowed(targets: Target[], keep: (target: Target) => boolean): Target[] {
  const kept = targets.filter(keep);
  return kept.length > 0 ? kept : targets;
}

/**
 * A node with what it hosts and what other drains send it. A node of an earlier version reports no load:
 * taken for an empty one without a room limit.
 */
function targetOf(node: NodeInfo, arriving: Arrival = { sessions: 0, rooms: 0 }): Target {
  const load = node.load;
  return {
    url: node.url,
    node,
    sessions: (load?.sessions ?? 0) + arriving.sessions,
    rooms: (load?.rooms ?? 0) + arriving.rooms,
    maxRooms: load?.maxRooms ?? Number.POSITIVE_INFINITY,
    planned: { sessions: 0, rooms: 0 },
  };
}
