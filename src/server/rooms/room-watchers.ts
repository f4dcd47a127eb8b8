import type { Cancel, Clock, Disposer } from '../../common/index.js';
import {
  ErrorCode,
  encodeMessage,
  Kind,
  ProtocolError,
  type RoomInfo,
  type Scalar,
} from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';
import type { ListingChange } from '../registry/registry.js';
import type { Session } from '../sessions/session.js';

/** What a lobby watches: the same query as a room listing. */
export interface RoomQuery {
  type?: string;
  filter?: Record<string, Scalar>;
  includeFull?: boolean;
  /**
   * At most this many rooms, the oldest that match. Not part of what makes a query distinct: watches
   * that differ only in it share one read (at the largest limit), each sent the first rooms of it.
   */
  limit?: number;
}

export interface RoomWatchersOptions {
  clock: Clock;
  metrics: MetricsSink;
  /** Lists rooms as a ListRooms request would answer (throws when the registry is unreachable). */
  list(query: RoomQuery): Promise<RoomInfo[]>;
  /** Hears every listing change of the cluster (the registry's `subscribe`). */
  subscribe(listener: (change: ListingChange) => void): Disposer;
  /** Changes within this many ms are sent as one list. Default 250. */
  intervalMs?: number;
  /** After a listing failed (registry down), listed again this much later. Default 2,000. */
  retryMs?: number;
  /**
   * Most distinct queries watched at once on this node; a watch of one more is refused RATE_LIMITED.
   * Every change costs one listing read per distinct query, so sessions each watching a query of their
   * own could otherwise turn every seat change into thousands of reads. Default 256.
   */
  maxQueries?: number;
  /**
   * The share of `maxQueries` the sessions of one address (see `addressBlock`) may watch once the node
   * is half full: a watch of one more distinct query from there is then refused RATE_LIMITED. Below half,
   * an address may watch more (one address may take at most half the node). Without it one machine
   * opening sessions could take every query `maxQueries` allows, and no other player could watch a query
   * of their own. Default 16.
   */
  maxQueriesPerAddress?: number;
}

/**
 * Listing reads a flush has in progress at once. Each goes through the node's listing gate (4 at once, 64
 * waiting, the rest refused): all of a flush's reads at once (up to `maxQueries`, 128 from one address)
 * overflowed it: every flush failed for the queries past the first 68, whose lobbies never heard a
 * change, and while its reads waited a player's own listing found the gate full. Two leave the rest of
 * the gate to the players' requests; a flush of 256 queries then takes 128 reads' time.
 */
const FLUSH_READS_AT_ONCE = 2;

/** A watched query as a flush reads it (at the largest limit of its watchers), and its watchers. */
interface WatchGroup {
  query: RoomQuery;
  readonly sessions: Session[];
}

interface Watch {
  /** As asked, with its own limit. */
  readonly query: RoomQuery;
  /** The query without its limit: watches of one key share a read. */
  readonly key: string;
  /** The address (block) the watch counts against. */
  readonly address: string;
  /** The list last sent, as JSON (undefined until the first read): an unchanged list is not sent again. */
  lastSent: string | undefined;
  /** A newer list was held back while the session was away: it goes when the session resumes. */
  missed: boolean;
}

/**
 * Lobbies that follow the room listing live. A session watches one query at a time; when any room of
 * the cluster changes (the registry's pub/sub), the listing is read again, once per distinct query
 * however many sessions watch it, and sent (RoomList) to each watcher whose list changed. Changes are
 * coalesced over `intervalMs`, so a burst of seat changes (a match filling up) costs one read per query.
 * Queries that differ only in their `limit` are one query: read at the largest limit of their watchers,
 * each watcher is sent the first rooms of it, up to its own limit (the oldest that match, as a read at
 * that limit lists them; with the Redis registry, whose read of a rare filter stops after looking at a
 * number of rooms that grows with the limit, the longer read may find a match further on that a read at
 * the watcher's own limit would have missed, never one fewer).
 */
export class RoomWatchers {
  readonly #options: RoomWatchersOptions;
  readonly #watches = new Map<Session, Watch>();
  /** How many sessions watch each distinct query. */
  readonly #queries = new Map<string, number>();
  /** By address (block): how many of its sessions watch each query it watches. */
  readonly #byAddress = new Map<string, Map<string, number>>();
  /** Subscribed at the first watch: a node whose players never watch opens no subscription. */
  #unsubscribe: Disposer | undefined;
  #cancelFlush: Cancel | undefined;
  #flushing = false;
  /** A change came while a flush was running: that flush may have read the listing before it. */
  #changedDuringFlush = false;
  #closed = false;

  constructor(options: RoomWatchersOptions) {
    this.#options = options;
  }

  /** Sessions watching. */
  get size(): number {
    return this.#watches.size;
  }

  /** Distinct queries watched (each costs a listing read per change). */
  get queries(): number {
    return this.#queries.size;
  }

  /**
   * Starts the session's watch, in place of the one it had (one watch per session; a refused request
   * ends the one before too, as the client does); resolves with the listing as it is now. `address`:
   * the address block the session's connection came from.
   */
  async watch(session: Session, query: RoomQuery, address: string): Promise<RoomInfo[]> {
    if (this.#closed) throw new ProtocolError(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
    const key = queryKey(query);
    this.#delete(session);
    this.#admit(key, address);
    this.#unsubscribe ??= this.#options.subscribe(() => this.#changed());
    // Watching before the first read, so that no change made during it goes unheard.
    const watch: Watch = { query, key, address, lastSent: undefined, missed: false };
    this.#set(session, watch);
    let rooms: RoomInfo[];
    try {
      rooms = await this.#options.list(query);
    } catch (error) {
      if (this.#watches.get(session) === watch) this.#delete(session);
      throw error;
    }
    if (session.ended) this.#delete(session);
    // A change heard during the read already sent a list at least as new: answer with that one, so the
    // answer (sent after it) does not take the lobby back.
    if (watch.lastSent !== undefined) return JSON.parse(watch.lastSent) as RoomInfo[];
    watch.lastSent = JSON.stringify(rooms);
    // Away during the read, and back already: a newer list held back meanwhile follows the answer.
    if (watch.missed && session.connected) this.resumed(session, false);
    return rooms;
  }

  /**
   * The session is back after a drop. Lists are not sent to a session that is away (they would only
   * pile up in its outbox, each superseding the one before): if one was held back, the newest goes now
   * (soon, with the next lists). After a resync, what it was sent may have been lost: it is sent its
   * list again, changed or not.
   */
  resumed(session: Session, resync: boolean): void {
    const watch = this.#watches.get(session);
    if (watch === undefined || watch.lastSent === undefined) return;
    if (resync) watch.lastSent = '';
    else if (!watch.missed) return;
    watch.missed = false;
    this.#changed();
  }

  unwatch(session: Session): void {
    this.#delete(session);
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    this.#watches.clear();
    this.#queries.clear();
    this.#byAddress.clear();
  }

  /**
   * Throws RATE_LIMITED if a watch of `key` from `address` would take a query more than the node, or
   * its address, may watch. A query the node follows already costs it nothing more: only the node's
   * bound could refuse it, and it does not. A new one is refused when the node is full, or when the
   * address holds its share and the node is at least half full: while it has room to spare (fewer than
   * half its queries watched), an address may go past its share (a NAT of lobbies each with its own
   * filters), never past half the node, which keeps the other half for everyone else's share. The
   * message says whose limit it is: the node's is no fault of the player.
   */
  #admit(key: string, address: string): void {
    if (this.#queries.has(key)) return;
    const maxQueries = this.#options.maxQueries ?? 256;
    if (this.#queries.size >= maxQueries) {
      throw new ProtocolError(
        ErrorCode.RATE_LIMITED,
        `this server follows as many different room queries as it can (${maxQueries}): try again later, or watch a query other players watch`,
      );
    }
    const perAddress = this.#options.maxQueriesPerAddress ?? 16;
    const held = this.#byAddress.get(address)?.size ?? 0;
    const roomToSpare = this.#queries.size * 2 < maxQueries;
    if (held >= perAddress && !roomToSpare) {
      throw new ProtocolError(
        ErrorCode.RATE_LIMITED,
        `${held} different room queries are watched from your address already (its share is ${perAddress} while this server is busy): watch one of them, or stop one first`,
      );
    }
  }

  #set(session: Session, watch: Watch): void {
    this.#delete(session);
    this.#watches.set(session, watch);
    increment(this.#queries, watch.key);
    let held = this.#byAddress.get(watch.address);
    if (held === undefined) {
      held = new Map();
      this.#byAddress.set(watch.address, held);
    }
    increment(held, watch.key);
  }

  #delete(session: Session): void {
    const watch = this.#watches.get(session);
    if (watch === undefined) return;
    this.#watches.delete(session);
    decrement(this.#queries, watch.key);
    const held = this.#byAddress.get(watch.address);
    if (held === undefined) return;
    decrement(held, watch.key);
    if (held.size === 0) this.#byAddress.delete(watch.address);
  }

  #changed(): void {
    if (this.#closed || this.#watches.size === 0) return;
    if (this.#flushing) this.#changedDuringFlush = true;
    else this.#schedule(this.#options.intervalMs ?? 250);
  }

  #schedule(delayMs: number): void {
    if (this.#cancelFlush !== undefined) return;
    this.#cancelFlush = this.#options.clock.setTimeout(() => {
      this.#cancelFlush = undefined;
      this.#flushing = true;
      void this.#flush().then((listed) => {
        this.#flushing = false;
        if (this.#closed) return;
        // The registry is down: the lists may be stale whether or not a change is heard, so read again.
        if (!listed) this.#schedule(this.#options.retryMs ?? 2_000);
        else if (this.#changedDuringFlush) this.#schedule(this.#options.intervalMs ?? 250);
        this.#changedDuringFlush = false;
      });
    }, delayMs);
  }

  /** Reads each watched query once and sends the lists that changed; false if a read failed. */
  async #flush(): Promise<boolean> {
    const byQuery = new Map<string, WatchGroup>();
    for (const [session, watch] of this.#watches) {
      // A session's watch goes when the session ends (`unwatch`); one that ended during a read goes here.
      if (session.ended) {
        this.#delete(session);
        continue;
      }
      const group = byQuery.get(watch.key);
      if (group === undefined) byQuery.set(watch.key, { query: watch.query, sessions: [session] });
      else {
        group.sessions.push(session);
        if (limitOf(watch.query) > limitOf(group.query)) group.query = watch.query;
      }
    }
    const groups = [...byQuery];
    let next = 0;
    let listed = true;
    // A few workers, each reading the next query until none is left.
    const worker = async () => {
      while (next < groups.length) {
        const [key, group] = groups[next++] as [string, WatchGroup];
        if (!(await this.#refresh(key, group.query, group.sessions))) listed = false;
      }
    };
    await Promise.all(Array.from({ length: Math.min(FLUSH_READS_AT_ONCE, groups.length) }, worker));
    return listed;
  }

  /** Reads one watched query and sends its watchers the lists that changed; false if the read failed. */
  async #refresh(key: string, query: RoomQuery, sessions: readonly Session[]): Promise<boolean> {
    let rooms: RoomInfo[];
    try {
      rooms = await this.#options.list(query);
    } catch {
      this.#options.metrics.count('room_list_failures_total');
      return false;
    }
    // By length: each watcher's list is the first rooms read, up to its limit (one encoding per list).
    const lists = new Map<number, { rooms: RoomInfo[]; json: string; recipients: Session[] }>();
    for (const session of sessions) {
      const watch = this.#watches.get(session);
      // Unwatched, watching another query since the read began, or now asking for more than it read.
      if (watch === undefined || watch.key !== key || limitOf(watch.query) > limitOf(query)) continue;
      const length = Math.min(limitOf(watch.query), rooms.length);
      let list = lists.get(length);
      if (list === undefined) {
        const own = length === rooms.length ? rooms : rooms.slice(0, length);
        list = { rooms: own, json: JSON.stringify(own), recipients: [] };
        lists.set(length, list);
      }
      if (watch.lastSent === list.json) continue;
      if (!session.connected) {
        // Away: nothing piles up for it; the newest list goes when it resumes (see `resumed`).
        watch.missed = true;
        continue;
      }
      watch.lastSent = list.json;
      watch.missed = false;
      list.recipients.push(session);
    }
    for (const list of lists.values()) {
      if (list.recipients.length > 0) this.#send(list.recipients, list.rooms);
    }
    return true;
  }

  /** Sends one list to every session that needs it, encoded once for all (as a room broadcast is). */
  #send(sessions: Session[], rooms: RoomInfo[]): void {
    try {
      const inner = encodeMessage(Kind.RoomList, { rooms });
      for (const session of sessions) session.sendEncoded(inner, 'reliable');
      this.#options.metrics.count('room_lists_sent_total', {}, sessions.length);
    } catch (error) {
      // The lobbies keep their last list rather than the server failing.
      this.#options.metrics.count('internal_errors_total');
      console.error('vehikill-net: a room list could not be sent', error);
    }
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Forgets the key at zero: the maps hold only what is watched. */
function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}

/**
 * Equal queries (whatever their key order) share one listing read, whatever their limits: the oldest
 * rooms that match, up to a limit, are the first of those up to a larger one.
 */
function queryKey(query: RoomQuery): string {
  const filter = query.filter
    ? Object.keys(query.filter)
        .sort()
        .map((key) => [key, (query.filter as Record<string, Scalar>)[key]])
    : [];
  return JSON.stringify([query.type ?? null, query.includeFull ?? false, filter]);
}

/** A query's limit, none being the largest. */
function limitOf(query: RoomQuery): number {
  return query.limit ?? Number.POSITIVE_INFINITY;
}
