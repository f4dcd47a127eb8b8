import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster: the registry uses the commands both have. */
export type RedisConnection = Redis | Cluster;

export interface RedisTarget {
  /** `redis://host:port/db` of a single Redis. */
  url: string | undefined;
  /** Seed nodes (`redis://host:port` or `host:port`) of a Redis Cluster; when given, `url` is not used. */
  clusterNodes: readonly string[] | undefined;
  commandTimeoutMs: number;
  /** Extra ioredis options (TLS, password, ...), applied last; in a cluster, to every node. */
  redis: RedisOptions | undefined;
  /** Extra ioredis Cluster options (natMap, scaleReads, ...), applied last. */
  cluster: ClusterOptions | undefined;
}

/**
 * Opens a connection that fails commands at once while Redis is unreachable (a join should fail
 * clearly rather than hang), except a `subscriber`'s, which queues its SUBSCRIBE until connected, however
 * long that takes; and
 * reconnects forever, backing off to 1 s, so the node recovers when Redis returns.
 */
export function openRedis(target: RedisTarget, subscriber: boolean): RedisConnection {
  const offlineQueue = subscriber;
  const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1_000);
  // A subscriber's SUBSCRIBE must wait out an outage however long: ioredis re-subscribes after a
  // reconnect only to channels Redis once confirmed, so one failed by the retry limit was lost for good.
  const common = {
    maxRetriesPerRequest: subscriber ? null : 1,
    commandTimeout: subscriber ? undefined : target.commandTimeoutMs,
  };
  if (target.clusterNodes === undefined) {
    return new Redis(target.url ?? 'redis://127.0.0.1:6379', {
      enableOfflineQueue: offlineQueue,
      retryStrategy,
      ...common,
      ...target.redis,
    });
  }
  return new Cluster(target.clusterNodes.map(seedNode), {
    enableOfflineQueue: offlineQueue,
    // A cluster's lobby channel is sharded (SSUBSCRIBE), see RedisRegistry.
    shardedSubscribers: subscriber,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...common, ...target.redis },
    ...target.cluster,
  });
}

/**
 * A single Redis's URL checked before anything connects, refused with a TypeError naming it (`name` is
 * what the caller calls it: 'url', 'REDIS_URL'): only `redis://` and `rediss://` (TLS) with a host, and a
 * database (`/db` or `?db=`) of digits only. ioredis would otherwise take `notaurl` for a host name and
 * retry it until the start times out, and `/abc` for database NaN. Returns the URL to hand to ioredis,
 * its scheme in lower case: ioredis turns TLS on only for a lower-case `rediss://`.
 */
export function checkRedisUrl(url: string, name = 'url'): string {
  const refuse = (why: string) => new TypeError(`${name} ${JSON.stringify(redactRedisUrl(url))} ${why}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('is not a URL: expected redis://host:port/db or rediss://host:port/db');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw refuse('is not a Redis URL: expected redis://host:port/db or rediss://host:port/db');
  }
  if (parsed.hostname === '') throw refuse('names no host: expected redis://host:port/db');
  const path = parsed.pathname === '' || parsed.pathname === '/' ? undefined : parsed.pathname.slice(1);
  for (const db of [path, parsed.searchParams.get('db') ?? undefined]) {
    if (db !== undefined && !/^\d+$/.test(db)) {
      throw refuse(
        `names database ${JSON.stringify(db)}: the database must be a whole number (0 to 15 by default)`,
      );
    }
  }
  return url.replace(/^rediss?:/i, (scheme) => scheme.toLowerCase());
}

/** `url` with any password in it replaced by '***': for error messages and logs, which more people read. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL, so no password we can find; hide anything before an '@', which may be credentials.
    return url.replace(/^([^/@]*\/\/)?[^@]*@/, '$1***@');
  }
}

/** `redis://host:port` or `host:port` as ioredis's { host, port }. */
export function seedNode(address: string): { host: string; port: number } {
  let url: URL | undefined;
  try {
    url = new URL(address.includes('://') ? address : `redis://${address}`);
  } catch {
    url = undefined;
  }
  const port = Number(url?.port || 6379);
  // Port 0 and another scheme's URL (http://) parse too, and would only fail after the start's whole wait.
  if (
    url === undefined ||
    url.protocol !== 'redis:' ||
    url.hostname === '' ||
    !Number.isInteger(port) ||
    port < 1
  ) {
    throw new TypeError(
      `not a Redis Cluster node address (host:port or redis://host:port): ${JSON.stringify(redactRedisUrl(address))}`,
    );
  }
  // URL keeps the brackets of an IPv6 host; ioredis wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * In a cluster every registry key must hash to one slot, because the Lua scripts touch several keys
 * atomically and build most key names themselves: the prefix must carry a hash tag (`{...}`), which
 * Redis hashes instead of the whole key. One slot holds the whole registry; it is small (a few
 * hundred bytes per room), so one node serving it is no limit.
 */
export function requireHashTag(prefix: string): void {
  const open = prefix.indexOf('{');
  const close = open === -1 ? -1 : prefix.indexOf('}', open + 1);
  if (close > open + 1) return;
  throw new TypeError(
    `keyPrefix ${JSON.stringify(prefix)} has no hash tag: in a Redis Cluster every registry key must be ` +
      `in one slot, so the prefix needs one, such as '{vk}:'`,
  );
}
