import type { NodeInfo } from '../registry/registry.js';
import { defines } from './other-nodes.js';

/** A player a draining node sends away, with the room it is in there, if any. */
export interface Leaver {
  /** Undefined for a connection with no session (one that came after the goodbye). */
  playerId: string | undefined;
  room: { roomId: string; type: string; players: number } | undefined;
}

/** A node to send players to, with what it hosts counting what this drain has sent it so far. */
interface Target {
  url: string;
  node: NodeInfo;
  sessions: number;
  rooms: number;
  maxRooms: number;
}

/**
 * Where a draining node sends its players, so that they do not all land on one node. The players of a
 * room go together (they quick-play again where they land, and find each other there); players in no
 * room go one by one. Each room goes to the node with the fewest sessions among those that define its type
 * and have a room to spare below their `maxRooms` (as their heartbeats report it, plus what this drain has
 * sent them so far), so the rooms are spread by load, largest first. Where no node qualifies, the nearest:
 * any node that defines the type, then any node at all (the player at least keeps a session). A player
 * keeps the node it was told first (the drain notice names it) while that node takes players.
 */
export class DrainTargets {
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

  /**
   * Takes the nodes that take players now (live, not draining, not this one) with their loads, and plans
   * where `leavers` go: those told a node that is still among them keep it (and count in its load first),
   * the others are spread, largest rooms first. `typesHere`: the types of the rooms running here. Returns
   * each leaver's URL, '' when there is no node.
   */
  plan(nodes: readonly NodeInfo[], leavers: readonly Leaver[], typesHere: readonly string[]): string[] {
    this.#targets = new Map(nodes.map((node) => [node.url, targetOf(node)]));
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
    target.sessions += leaver.room?.players ?? 1;
    if (leaver.room !== undefined) target.rooms++;
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

/** The targets that `keep`, or all of them when none does. */
function narrowed(targets: Target[], keep: (target: Target) => boolean): Target[] {
  const kept = targets.filter(keep);
  return kept.length > 0 ? kept : targets;
}

/** A node of an earlier version reports no load: taken for an empty one without a room limit. */
function targetOf(node: NodeInfo): Target {
  const load = node.load;
  return {
    url: node.url,
    node,
    sessions: load?.sessions ?? 0,
    rooms: load?.rooms ?? 0,
    maxRooms: load?.maxRooms ?? Number.POSITIVE_INFINITY,
  };
}
