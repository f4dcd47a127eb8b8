import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { Disposer } from '../../common/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import { addArrival } from './arrival-plans.js';
import { ChannelListeners } from './channel-listeners.js';
import {
  checkRedisUrl,
  openRedis,
  type RedisConnection,
  type RedisTarget,
  redactRedisUrl,
  requireHashTag,
} from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { scripts } from './redis-scripts.js';
import {
  type Arrival,
  type Arrivals,
  type ArrivedSessions,
  arrivalPlanTtl,
  callListener,
  type ListingChange,
  type ListingPatch,
  NodeIdInUseError,
  type NodeInfo,
  type NodeLoad,
  type Registry,
  type RoomListing,
  type RoomQuery,
} from './registry.js';
import { wellFormed, wellFormedJson } from './well-formed-json.js';

export interface RedisRegistryOptions {
  /**
   * `redis://host:port/db` (`rediss://` for TLS). Default `redis://127.0.0.1:6379`. Any other scheme, no
   * host or a database that is not a whole number throws a TypeError; a database Redis does not have fails
   * `connect` (REGISTRY_UNAVAILABLE) rather than use database 0.
   */
  url?: string;
  /**
   * Seed nodes of a Redis Cluster (`redis://host:port` or `host:port`; the others are discovered).
   * Instead of `url`. The key prefix must then carry a hash tag (see `keyPrefix`).
   */
  clusterNodes?: readonly string[];
  /**
   * Prefix of every key and channel, so several game clusters can share one Redis. Default 'vk:', and
   * '{vk}:' with `clusterNodes`: in a Redis Cluster the prefix needs a hash tag (`{...}`) so that all the
   * registry's keys live in one slot, which the atomic scripts need; a prefix without one throws.
   */
  keyPrefix?: string;
  /**
   * A command with no answer for this long (ms) fails with REGISTRY_UNAVAILABLE ("Redis did not answer
   * within N ms"): how long a call takes at most while Redis hangs. Also how long `close` waits for Redis
   * to answer its QUIT before it cuts the connections off. Default 2,000.
   */
  commandTimeoutMs?: number;
  /** Extra ioredis options (TLS, password, ...), applied last; with `clusterNodes`, to every node. */
  redis?: RedisOptions;
  /** Extra ioredis Cluster options (natMap, ...), applied last; only with `clusterNodes`. */
  cluster?: ClusterOptions;
}

/**
 * A Registry in Redis that several server processes share: one listing, seats reserved atomically by
 * Lua scripts, private codes unique cluster-wide, node heartbeats as expiring keys, and listing changes
 * over pub/sub. While the connection to Redis is down every call fails at once with
 * REGISTRY_UNAVAILABLE ("Redis unreachable"; no offline queue: a join should fail clearly rather than
 * hang); while Redis hangs with the connection open, each call fails after `commandTimeoutMs`.
 * ioredis keeps reconnecting meanwhile.
 */
export class RedisRegistry implements Registry {
  readonly #redis: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #target: RedisTarget;
  readonly #listeners = new Set<(change: ListingChange) => void>();
  /** Subscriptions of `subscribeChannel`, by Redis channel name. */
  readonly #channels = new ChannelListeners();
  /**
   * The `onGap` of each `subscribeChannel` subscription in place, by Redis channel name. One that throws is
   * logged as the gap callback it is, not as a message on the channel.
   */
  readonly #gaps = new ChannelListeners((channel) => `a gap on '${channel}' (in its onGap)`);
  /** The `onDown` of each `subscribeChannel` subscription in place, by Redis channel name. */
  readonly #downs = new ChannelListeners((channel) => `the loss of '${channel}' (in its onDown)`);
  /** The newest update of each room still running: the next update of that room waits for it. */
  readonly #updating = new Map<string, Promise<boolean>>();
  #subscriber: RedisConnection | undefined;
  /**
   * In a cluster the lobby channel is sharded (SPUBLISH/SSUBSCRIBE, Redis 7): a plain PUBLISH goes to
   * any node and reaches subscribers over the cluster bus, so one node's changes could arrive out of
   * order; a sharded channel lives on the node of its slot, like the keys, and keeps their order.
   */
  readonly #sharded: boolean;
  /** Where Redis is, for messages: its URL or seed nodes, without passwords. */
  readonly #address: string;
  /** The last error ioredis reported since the connection was last ready, for a start that fails. */
  #lastError: Error | undefined;
  /**
   * A database Redis refused to SELECT at the last connect. ioredis reports it and goes on to ready on
   * database 0, which may hold another cluster's registry: while set, every call fails instead.
   */
  #setupError: ProtocolError | undefined;

  constructor(options: RedisRegistryOptions = {}) {
    const inCluster = options.clusterNodes !== undefined;
    if (options.clusterNodes?.length === 0) {
      throw new TypeError('clusterNodes is empty: name at least one node of the Redis Cluster');
    }
    this.#sharded = inCluster;
    const prefix = options.keyPrefix ?? (inCluster ? '{vk}:' : 'vk:');
    if (inCluster) requireHashTag(prefix);
    this.#keys = new RedisKeys(prefix);
    // Checked before connecting: ioredis would take a malformed URL for a host name and retry it for ever.
    const url = inCluster || options.url === undefined ? undefined : checkRedisUrl(options.url);
    this.#address = inCluster
      ? `Redis Cluster at ${options.clusterNodes?.map(redactRedisUrl).join(',')}`
      : `Redis at ${redactRedisUrl(url ?? DEFAULT_URL)}`;
    this.#target = {
      url,
      clusterNodes: options.clusterNodes,
      commandTimeoutMs: options.commandTimeoutMs ?? 2_000,
      redis: options.redis,
      cluster: options.cluster,
    };
    this.#redis = openRedis(this.#target, false);
    // ioredis reports each failed reconnect here; callers see REGISTRY_UNAVAILABLE on their calls instead,
    // and a start that fails names the last one.
    this.#redis.on('error', (error: Error) => {
      this.#lastError = error;
      // Seed nodes that answer but are no cluster: final, as a refused SELECT is (ioredis would only say it
      // failed to refresh the slots cache, after the start's whole wait).
      const nodeError = (error as { lastNodeError?: Error }).lastNodeError;
      if (nodeError?.message.includes('cluster support disabled')) {
        this.#setupError = new ProtocolError(
          ErrorCode.REGISTRY_UNAVAILABLE,
          `${this.#address} answered, but is no Redis Cluster (cluster support disabled): name one Redis with REDIS_URL, or a cluster's nodes`,
          { cause: error },
        );
      }
      const command = (error as { command?: { name?: string; args?: unknown[] } }).command;
      if (command?.name === 'select') {
        this.#setupError = new ProtocolError(
          ErrorCode.REGISTRY_UNAVAILABLE,
          `${this.#address}: SELECT ${String(command.args?.[0])} failed: ${error.message}`,
          { cause: error },
        );
      }
    });
    // Each connect runs the SELECT again (its 'error' comes after this, before 'ready').
    this.#redis.on('connect', () => {
      this.#setupError = undefined;
    });
    this.#redis.on('ready', () => {
      this.#lastError = undefined;
    });
  }

  /**
   * Creates a registry and waits until Redis answers. Throws a TypeError for a URL it cannot use, and
   * REGISTRY_UNAVAILABLE naming the address (without its password) and the cause if Redis does not answer
   * in time (with the last connection error, such as ECONNREFUSED) or refuses the URL's database.
   */
  static async connect(options: RedisRegistryOptions = {}, timeoutMs = 5_000): Promise<RedisRegistry> {
    const registry = new RedisRegistry(options);
    try {
      await registry.ready(timeoutMs);
      // A cluster client connects to the node serving the registry's slot at its first command there, and
      // sends the commands it holds meanwhile out of order: one node's lobby updates and channel messages
      // arrived shuffled. Connected now, before any of them.
      if (registry.#sharded) await registry.#call(() => registry.#redis.exists(registry.#keys.anchor));
    } catch (error) {
      await registry.close();
      throw error;
    }
    return registry;
  }

  /**
   * Resolves once the connection is up (at once if it is); throws REGISTRY_UNAVAILABLE naming the address
   * and the cause if it is not within `timeoutMs`, or as soon as Redis refuses the URL's database.
   */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (this.#setupError) throw this.#setupError;
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const done = (error: Error | undefined) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        this.#redis.off('error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done(this.#setupError);
      // A refused SELECT is final: no point waiting for the 'ready' on database 0 that follows it.
      const onError = () => {
        if (this.#setupError) done(this.#setupError);
      };
      const timer = setTimeout(() => {
        // Without an error, ioredis is still connecting (a TCP or TLS handshake that never ends, such as
        // rediss:// to a Redis without TLS) or waiting for the answers to its first commands.
        const why = this.#lastError
          ? `last error: ${this.#lastError.message}`
          : this.#redis.status === 'connect'
            ? 'connected, but no reply came'
            : 'not connected yet, and no error reported';
        // A TLS handshake to a Redis without TLS reports nothing at all: say what most likely happened.
        const tlsHint =
          this.#lastError === undefined && this.#target.url?.startsWith('rediss:') === true
            ? '; is TLS on at that Redis? rediss:// asks for TLS, redis:// for none'
            : '';
        const message = `${this.#address} did not answer within ${timeoutMs} ms; ${why}${tlsHint}`;
        done(new ProtocolError(ErrorCode.REGISTRY_UNAVAILABLE, message, { cause: this.#lastError }));
      }, timeoutMs);
      this.#redis.on('ready', onReady);
      this.#redis.on('error', onError);
    });
  }

  /** True while the command connection is up. */
  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  async addRoom(listing: RoomListing, seats: readonly string[] = []): Promise<boolean> {
    const added = await this.#call(() =>
      scripts.addRoom.run(this.#redis, this.#keys, [
        listing.roomId,
        listing.nodeId,
        listing.createdAt,
        wellFormedJson(stored(listing)),
        listing.code ?? '',
        ...seats,
      ]),
    );
    if (added !== 1) return false;
    this.#publish('added', listing.roomId);
    return true;
  }

  updateRoom(roomId: string, patch: ListingPatch): Promise<boolean> {
    // A read-modify-write: safe across nodes, since only the node hosting a room updates it, but two
    // updates of one room from this node (a lock and new metadata in the same tick) would both read the
    // old listing and the second write would undo the first. So each room's updates run one after another.
    const before = this.#updating.get(roomId);
    const update = (before ?? Promise.resolve(true)).then(
      () => this.#updateNow(roomId, patch),
      () => this.#updateNow(roomId, patch),
    );
    this.#updating.set(roomId, update);
    const forget = () => {
      if (this.#updating.get(roomId) === update) this.#updating.delete(roomId);
    };
    update.then(forget, forget);
    return update;
  }

  async #updateNow(roomId: string, patch: ListingPatch): Promise<boolean> {
    // Written only over the listing it was read from: the room written again meanwhile (its node putting
    // its rooms back after an outage) is read again, or the patch would land on the listing from before
    // and undo what the rewrite wrote (a lock that an earlier update failed to write, say).
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const json = await this.#call(() => this.#redis.get(this.#keys.room(roomId)));
      // None, or none this version can read: the node that runs the room writes it again (see Registry).
      const listing = json === null ? undefined : parseJson(json);
      if (json === null || !isRecord(listing)) return false;
      const next = { ...listing, ...patch };
      // Written by a script, which also moves the room in or out of the open indexes (a lock, a new size).
      const written = await this.#call(() =>
        scripts.setListing.run(this.#redis, this.#keys, [roomId, wellFormedJson(next), json]),
      );
      if (written === 1) this.#publish('updated', roomId);
      if (written !== 2) return written === 1;
    }
    throw unavailable('the room was written again at every attempt to update it', undefined);
  }

  async removeRoom(roomId: string): Promise<void> {
    const removed = await this.#call(() => scripts.removeRoom.run(this.#redis, this.#keys, [roomId]));
    if (removed === 1) this.#publish('removed', roomId);
  }

  async getRoom(roomId: string): Promise<RoomListing | undefined> {
    const found = await this.#call(() => scripts.getRoom.run(this.#redis, this.#keys, [roomId]));
    return parseRoom(found);
  }

  async findByCode(code: string): Promise<RoomListing | undefined> {
    const found = await this.#call(() => scripts.findByCode.run(this.#redis, this.#keys, [code]));
    return parseRoom(found);
  }

  async listRooms(query: RoomQuery): Promise<RoomListing[]> {
    // Matched inside Redis: a query for open rooms reads only the open index of its type, up to `limit`.
    const flat = (await this.#call(() =>
      scripts.listRooms.run(this.#redis, this.#keys, [wellFormedJson(query)]),
    )) as unknown[];
    const rooms: RoomListing[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const room = parseRoom([flat[i], flat[i + 1]]);
      if (room) rooms.push(room);
    }
    return rooms;
  }

  async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    const result = await this.#call(() =>
      scripts.reserveSeat.run(this.#redis, this.#keys, [roomId, playerId]),
    );
    if (result === 2) this.#publish('updated', roomId);
    return result === 1 || result === 2;
  }

  async releaseSeat(roomId: string, playerId: string): Promise<void> {
    const removed = await this.#call(() =>
      scripts.releaseSeat.run(this.#redis, this.#keys, [roomId, playerId]),
    );
    if (removed === 1) this.#publish('updated', roomId);
  }

  async claimCreation(key: string, token: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.round(ttlMs));
    const set = await this.#call(() => this.#redis.set(this.#keys.creating(key), token, 'PX', ttl, 'NX'));
    return set === 'OK';
  }

  async releaseCreation(key: string, token: string): Promise<void> {
    await this.#call(() =>
      scripts.releaseCreation.run(this.#redis, this.#keys, [this.#keys.creating(key), token]),
    );
  }

  async arrivals(from: string): Promise<Arrivals> {
    const found = await this.#call(() => scripts.arrivals.run(this.#redis, this.#keys, [wellFormed(from)]));
    const [version, plans] = found as [number, string[]];
    const byNode = new Map<string, Arrival>();
    for (const json of plans) {
      for (const [nodeId, arrival] of parsePlan(json)) addArrival(byNode, nodeId, arrival);
    }
    return { version: Number(version), byNode };
  }

  async planArrivals(
    from: string,
    plan: ReadonlyMap<string, Arrival>,
    ttlMs: number,
    version: number,
  ): Promise<boolean> {
    const entries = [...plan].map(([nodeId, { sessions, rooms }]) => [nodeId, sessions, rooms]);
    const written = await this.#call(() =>
      scripts.planArrivals.run(this.#redis, this.#keys, [
        wellFormed(from),
        wellFormedJson(entries),
        arrivalPlanTtl(ttlMs),
        String(version),
      ]),
    );
    return written === 1;
  }

  async heartbeat(node: NodeInfo, ttlMs: number, held = false, arrived?: ArrivedSessions): Promise<boolean> {
    const result = await this.#call(() =>
      scripts.heartbeat.run(this.#redis, this.#keys, [
        node.nodeId,
        // Well-formed, as listings are: cjson refuses a lone surrogate's escape, and every heartbeat of
        // such a node would take it for another process and remove its rooms.
        wellFormedJson(node),
        Math.max(1, Math.round(ttlMs)),
        node.bootId,
        held ? 1 : 0,
        wellFormedJson([...(arrived?.byDrain ?? [])]),
        arrived?.batch ?? 0,
      ]),
    );
    const [known, swept, otherUrl] = result as [number, string[], string | undefined];
    if (known === 2) throw new NodeIdInUseError(node.nodeId, otherUrl ?? '');
    for (const roomId of swept) this.#publish('removed', roomId);
    return known === 1;
  }

  async removeNode(nodeId: string, bootId?: string): Promise<void> {
    const swept = await this.#call(() =>
      scripts.removeNode.run(this.#redis, this.#keys, [nodeId, bootId ?? '']),
    );
    for (const roomId of swept as string[]) this.#publish('removed', roomId);
  }

  async listNodes(): Promise<NodeInfo[]> {
    const found = await this.#call(() => scripts.listNodes.run(this.#redis, this.#keys, []));
    return (found as string[]).flatMap((json) => parseNode(json) ?? []);
  }

  subscribe(listener: (change: ListingChange) => void): Disposer {
    this.#listeners.add(listener);
    this.#ensureSubscriber();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    const name = this.#keys.channel(channel);
    // Sharded in a cluster, as the lobby channel is (see `#sharded`): its SPUBLISH counts every subscriber,
    // since they all subscribe on the shard of its slot.
    const reached = await this.#call(() =>
      this.#sharded ? this.#redis.spublish(name, message) : this.#redis.publish(name, message),
    );
    return Number(reached);
  }

  async subscribeChannel(
    channel: string,
    listener: (message: string) => void,
    onGap?: () => void,
    onDown?: () => void,
  ): Promise<Disposer> {
    const name = this.#keys.channel(channel);
    const remove = this.#channels.add(name, listener);
    const subscriber = this.#ensureSubscriber();
    let removeGap: (() => boolean) | undefined;
    let removeDown: (() => boolean) | undefined;
    const dispose = () => {
      removeGap?.();
      removeDown?.();
      if (!remove()) return;
      // Commands on one connection run in order: a SUBSCRIBE sent after this one still holds.
      const left = this.#sharded ? subscriber.sunsubscribe(name) : subscriber.unsubscribe(name);
      void left.catch(() => {});
    };
    try {
      // Queued while Redis is unreachable (a subscriber's connection keeps its commands): answered once
      // it is back and the subscription is in place.
      await (this.#sharded ? subscriber.ssubscribe(name) : subscriber.subscribe(name));
    } catch (error) {
      dispose();
      throw unavailable(failureText(error, this.#target.commandTimeoutMs), error);
    }
    // In place from here: each later reconnect of the subscriber connection is a gap for it.
    if (onGap !== undefined) removeGap = this.#gaps.add(name, () => onGap());
    // Told only with an onGap, which says when it is back.
    if (onGap !== undefined && onDown !== undefined) removeDown = this.#downs.add(name, () => onDown());
    return dispose;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#channels.clear();
    this.#gaps.clear();
    this.#downs.clear();
    const connections = [this.#redis, this.#subscriber].filter((c): c is RedisConnection => c !== undefined);
    this.#subscriber = undefined;
    // quit() waits for replies, which never come while Redis is down: disconnect() is immediate. Nor do
    // they while Redis hangs with the connection up, and the subscriber's connection has no command
    // timeout: its QUIT waited for ever, and the server's close with it. Cut off after the command timeout.
    await Promise.all(connections.map((connection) => quitWithin(connection, this.#target.commandTimeoutMs)));
  }

  #ensureSubscriber(): RedisConnection {
    if (this.#subscriber) return this.#subscriber;
    // A connection in subscriber mode can run nothing else, hence a second one. It queues the SUBSCRIBE
    // until connected and re-subscribes by itself after a reconnect.
    const subscriber = openRedis(this.#target, true);
    subscriber.on('error', () => {});
    // Ready after every (re)connect: what was published while it was down (or before it first came up) was
    // missed, so subscribers list again. Not at once: ioredis says ready before it subscribes again, and a
    // listing read before the subscription is back could miss a change published in between. A SUBSCRIBE
    // of our own (a no-op on top of ioredis's) answers once the subscription is in place.
    const relistOnceSubscribed = () => {
      const reset = () => {
        for (const listener of [...this.#listeners]) callListener(listener, { change: 'reset' });
      };
      const again = this.#sharded
        ? subscriber.ssubscribe(this.#keys.lobby)
        : subscriber.subscribe(this.#keys.lobby);
      void again.then(reset, reset);
    };
    // Channels' subscriptions in place before the reconnect missed what was published meanwhile: told so
    // once theirs is back, in the same way (the subscriptions made since were not in place before it).
    const tellGapsOnceSubscribed = () => {
      for (const channel of this.#gaps.channels()) {
        const current = this.#gaps.snapshot(channel);
        const again = this.#sharded ? subscriber.ssubscribe(channel) : subscriber.subscribe(channel);
        // Failed (refused, or the connection closed again): not in place, so no news of it yet.
        void again.then(
          () => this.#gaps.deliver(channel, '', current),
          () => {},
        );
      }
    };
    const subscribedAgain = () => {
      tellGapsOnceSubscribed();
      relistOnceSubscribed();
    };
    subscriber.on('ready', subscribedAgain);
    // The connection lost (each failed reconnect says it again): every subscription in place is down until
    // `subscribedAgain` tells its gap. In a cluster, a shard's subscriber connection replaced (a failover)
    // too, which 'subscribersReady' follows.
    const lost = () => {
      for (const channel of this.#downs.channels()) this.#downs.deliver(channel, '');
    };
    subscriber.on('close', lost);
    if (this.#sharded) subscriber.on('-subscriber', lost);
    // In a Redis Cluster the sharded subscription lives on its own connection to the shard's master, which
    // a failover replaces without the cluster saying 'ready' again: it says 'subscribersReady' once the new
    // shard connections have subscribed again. Changes published in between were missed just the same.
    if (this.#sharded) subscriber.on('subscribersReady', subscribedAgain);
    subscriber.on(this.#sharded ? 'smessage' : 'message', (channel: string, text: string) => {
      if (channel !== this.#keys.lobby) {
        this.#channels.deliver(channel, text);
        return;
      }
      let change: ListingChange;
      try {
        change = JSON.parse(text) as ListingChange;
      } catch {
        return;
      }
      for (const listener of [...this.#listeners]) callListener(listener, change);
    });
    const subscribed = this.#sharded
      ? subscriber.ssubscribe(this.#keys.lobby)
      : subscriber.subscribe(this.#keys.lobby);
    void subscribed.catch(() => {});
    this.#subscriber = subscriber;
    return subscriber;
  }

  #publish(change: 'added' | 'updated' | 'removed', roomId: string): void {
    const message: ListingChange = { change, roomId };
    // Fire and forget: a lost lobby update only delays a refresh; the listing itself is already right.
    const text = JSON.stringify(message);
    const published = this.#sharded
      ? this.#redis.spublish(this.#keys.lobby, text)
      : this.#redis.publish(this.#keys.lobby, text);
    void published.catch(() => {});
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    // Connected, but to database 0 instead of the one configured: not this cluster's registry.
    if (this.#setupError) throw unavailable('Redis refused the configured database', this.#setupError);
    try {
      return await command();
    } catch (error) {
      throw unavailable(failureText(error, this.#target.commandTimeoutMs), error);
    }
  }
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * Closes `connection`: a QUIT when it is up, so that Redis has answered what was sent before it; cut off
 * (disconnect) when it is not up, when the QUIT fails, or when no answer came within `waitMs`.
 */
async function quitWithin(connection: RedisConnection, waitMs: number): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quit = connection.quit().then(
    () => true,
    () => false,
  );
  const gaveUp = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), waitMs);
  });
  const quitted = await Promise.race([quit, gaveUp]);
  clearTimeout(timer);
  if (!quitted) connection.disconnect();
}

/**
 * Reads and writes one update tries before it fails. Only the node hosting a room writes it, so another
 * write can come between an update's read and its write only when the node writes the room again, rarely.
 */
const UPDATE_ATTEMPTS = 4;

/** ioredis's messages for a connection that is down (one Redis or a cluster): no answer could come. */
const UNREACHABLE =
  /enableOfflineQueue|Connection is closed|aborted due to connection close|max retries per request|None of startup nodes|refresh slots cache/i;

/**
 * What went wrong with a command, in words players may read: ioredis's own messages for a connection
 * that is down or a reply that did not come name its options and internals, and Redis's error replies
 * name its configuration and the registry's scripts ("OOM command not allowed when used memory >
 * 'maxmemory'. script: 8b61...") : of those only the error's code is kept ("Redis refused the command
 * (OOM)"). The full text stays in the error's `cause`, for the operator's log.
 */
function failureText(cause: unknown, commandTimeoutMs: number): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (message === 'Command timed out') return `Redis did not answer within ${commandTimeoutMs} ms`;
  if (UNREACHABLE.test(message)) return 'Redis unreachable';
  if (cause instanceof Error && cause.name === 'ReplyError') {
    const code = /^[A-Z][A-Z_]{1,31}(?= |$)/.exec(message)?.[0];
    return code === undefined ? 'Redis refused the command' : `Redis refused the command (${code})`;
  }
  return message;
}

/** REGISTRY_UNAVAILABLE saying `why`, the original error kept as its cause. */
function unavailable(why: string, cause: unknown): ProtocolError {
  return new ProtocolError(ErrorCode.REGISTRY_UNAVAILABLE, `the room registry (Redis) failed: ${why}`, {
    cause,
  });
}

/** What is stored: the listing without `clients`, which is the live seat count. */
function stored(listing: RoomListing): Omit<RoomListing, 'clients'> {
  const { clients: _clients, ...rest } = listing;
  return rest;
}

/*
 * Records this version cannot read (written by another version, or by hand) are passed over, as the scripts
 * pass over a listing cjson cannot decode: thrown, one such record failed every listing, quick play and
 * redirect of every node that met it (the player was answered INTERNAL_ERROR). cjson reads some text
 * JSON.parse refuses (NaN, hexadecimal numbers), so a listing the scripts took may still be one of these.
 */

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRoom(found: unknown): RoomListing | undefined {
  if (!Array.isArray(found) || typeof found[0] !== 'string') return undefined;
  const listing = parseJson(found[0]);
  if (!isRecord(listing) || typeof listing.roomId !== 'string' || !isRecord(listing.metadata))
    return undefined;
  return { ...(listing as unknown as Omit<RoomListing, 'clients'>), clients: Number(found[1]) };
}

/** A node without a URL to send players to is no node to list. */
function parseNode(json: string): NodeInfo | undefined {
  const node = parseJson(json);
  if (!isRecord(node) || typeof node.nodeId !== 'string' || typeof node.url !== 'string') return undefined;
  const bootId = typeof node.bootId === 'string' ? node.bootId : '';
  const info: NodeInfo = { nodeId: node.nodeId, url: node.url, draining: node.draining === true, bootId };
  // Left out when the record has none (an earlier version's): such a node is taken to define every type.
  const { roomTypes } = node;
  if (Array.isArray(roomTypes)) info.roomTypes = roomTypes.filter((type) => typeof type === 'string');
  const load = parseLoad(node.load);
  if (load !== undefined) info.load = load;
  return info;
}

/** A drain plan as `planArrivals` stored it; what this version cannot read counts for nothing. */
function parsePlan(json: string): [string, Arrival][] {
  const entry = parseJson(json);
  const plan = isRecord(entry) ? entry.plan : undefined;
  if (!Array.isArray(plan)) return [];
  return plan.flatMap((item): [string, Arrival][] => {
    if (!Array.isArray(item)) return [];
    const [nodeId, sessions, rooms] = item as unknown[];
    const counts = [sessions, rooms];
    if (typeof nodeId !== 'string' || !counts.every((count) => typeof count === 'number' && count >= 0))
      return [];
    return [[nodeId, { sessions: sessions as number, rooms: rooms as number }]];
  });
}

/** A node's load as its record gives it, or undefined when it gives none this version can read. */
function parseLoad(load: unknown): NodeLoad | undefined {
  if (!isRecord(load)) return undefined;
  const { sessions, rooms, maxRooms } = load;
  const counts = [sessions, rooms, maxRooms];
  if (!counts.every((count) => typeof count === 'number' && count >= 0)) return undefined;
  return { sessions: sessions as number, rooms: rooms as number, maxRooms: maxRooms as number };
}
