import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAddressOrHostName } from '../address-syntax.js';
import { MAX_AUDIENCE_LENGTH, MIN_SECRET_BYTES } from '../auth/guest-tokens.js';
import { PrometheusMetrics } from '../monitoring/index.js';
import { checkNodeId, checkPublicUrl, type GameServerOptions, resolveLimits } from '../options.js';
import { checkRedisUrl, redactRedisUrl, seedNode } from '../registry/redis-connection.js';
import { RedisRegistry } from '../registry/redis-registry.js';
import type { Registry } from '../registry/registry.js';
import { checkServerLinkOptions } from '../server-link/server-link-options.js';

/** What a server process reads from its environment; `process.env` is one. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * A whole number from the environment, or the default. Anything else (text, a negative number) throws at
 * once, so a typo stops the server at start rather than running it with a surprise.
 */
export function numberFromEnvironment(env: Environment, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() would also take '1e3', '0x10' and '8080.5', none of which an operator means.
  if (!/^\d+$/.test(raw.trim())) throw new TypeError(`${name} must be a whole number ≥ 0, got '${raw}'`);
  return Number(raw);
}

/** A port number from the environment (0 to 65535), or the default (0) when unset; else a TypeError naming it. */
export function portFromEnvironment(env: Environment, name: string, fallback = 0): number {
  const port = numberFromEnvironment(env, name, fallback);
  if (port > 65_535) throw new TypeError(`${name} must be a port number from 0 to 65535, got '${env[name]}'`);
  return port;
}

/**
 * A PEM file named by an environment variable: a certificate (TLS_CERT) or a private key (TLS_KEY). One that
 * cannot be read, or does not hold what it should, stops the start naming the variable (TLS alone would say
 * `PEM routines::no start line`, naming neither).
 */
function pemFromEnvironment(env: Environment, name: 'TLS_CERT' | 'TLS_KEY'): Buffer {
  const path = env[name] as string;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TypeError(`${name} names a file that cannot be read (${path}): ${why}`, { cause: error });
  }
  try {
    if (name === 'TLS_CERT') new X509Certificate(pem);
    else createPrivateKey(pem);
  } catch (error) {
    const what = name === 'TLS_CERT' ? 'a PEM certificate' : 'a PEM private key (unencrypted)';
    throw new TypeError(`${name} names a file that is not ${what} (${path})`, { cause: error });
  }
  return pem;
}

/**
 * An IP address or a host name from the environment, undefined when unset or empty (as for every other
 * variable), else a TypeError naming the variable. For HOST, the address to listen on: `[::1]`,
 * `host:8080` or a stray space would fail later in the listen or the UDP bind with `getaddrinfo ENOTFOUND
 * [::1]` or a native error naming nothing. For ANNOUNCED_ADDRESS, the address written into the server's
 * ICE candidates: `203.0.113.10:3478` or a space there made every candidate one no browser could use,
 * and every player fell back to TCP mode without a word.
 */
function addressFromEnvironment(env: Environment, name: 'HOST' | 'ANNOUNCED_ADDRESS'): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!isAddressOrHostName(raw)) {
    throw new TypeError(`${name} must be an IP address (IPv6 without brackets) or a host name, got '${raw}'`);
  }
  return raw;
}

/**
 * GUEST_SECRET, undefined when unset or empty, else a TypeError naming it when it is too short to sign
 * with. GameServer refuses it too, but only once the registry has connected (or failed to, and then
 * Redis was blamed), and as "guest token secret", which names no variable.
 */
function guestSecretFromEnvironment(env: Environment): string | undefined {
  const secret = env.GUEST_SECRET;
  if (!secret) return undefined;
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) {
    throw new TypeError(
      `GUEST_SECRET must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 32), got ${bytes}`,
    );
  }
  return secret;
}

/** GUEST_AUDIENCE, undefined when unset or empty, else a TypeError naming it when it is too long. */
function guestAudienceFromEnvironment(env: Environment): string | undefined {
  const audience = env.GUEST_AUDIENCE;
  if (!audience) return undefined;
  if (audience.length > MAX_AUDIENCE_LENGTH) {
    throw new TypeError(
      `GUEST_AUDIENCE must be at most ${MAX_AUDIENCE_LENGTH} characters, got ${audience.length}`,
    );
  }
  return audience;
}

/** An http(s) URL from the environment, or a TypeError naming the variable. */
function httpUrlFromEnvironment(env: Environment, name: string): string {
  const raw = env[name] as string;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(`${name} must be an http:// or https:// URL, got '${raw}'`);
  }
  return raw;
}

/**
 * ADMIN_TOKEN or METRICS_TOKEN as the server would take it (`minLength` characters at least, no spaces or
 * line breaks around it: a secret file's last newline would never let anyone in), refused naming the
 * variable, before the registry connects. The token itself is never quoted: it is a secret.
 */
function tokenFromEnvironment(env: Environment, name: string, minLength: number): string | undefined {
  const token = env[name];
  if (!token) return undefined;
  if (token.length < minLength) {
    throw new TypeError(`${name} must be at least ${minLength} characters, got ${token.length}`);
  }
  if (token.trim() !== token) throw new TypeError(`${name} must have no spaces or line breaks around it`);
  return token;
}

/** A seed node's user or password as written in its URL, percent-decoded. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Never quoted: it is (part of) a password.
    throw new TypeError(
      'REDIS_CLUSTER_NODES: a seed node has a user or password with a stray % (write it %25)',
    );
  }
}

/**
 * The user and password REDIS_CLUSTER_NODES' seed nodes carry (`redis://user:password@host:port`,
 * percent-encoded as in any URL), as the ioredis options every node of the cluster is reached with, or {}
 * when none carries any. The registry reaches a seed by its host and port alone (`seedNode`), and the
 * other nodes by the addresses the cluster gives, so credentials in a seed's URL were dropped and the
 * start failed on Redis's NOAUTH, the password given and unused. A seed may leave them out; seeds that
 * name different ones are refused, since one set is used for every node.
 */
function clusterCredentials(nodes: readonly string[]): { redis?: { username?: string; password: string } } {
  let found: { username: string; password: string } | undefined;
  for (const node of nodes) {
    const url = new URL(node.includes('://') ? node : `redis://${node}`); // parsed by seedNode already
    if (url.username === '' && url.password === '') continue;
    const named = { username: decoded(url.username), password: decoded(url.password) };
    if (found !== undefined && (found.username !== named.username || found.password !== named.password)) {
      throw new TypeError(
        'REDIS_CLUSTER_NODES: the seed nodes name different users or passwords; one is used for every node',
      );
    }
    found = named;
  }
  if (found === undefined) return {};
  // No user: Redis's `default` user (AUTH with the password alone), as ioredis does for REDIS_URL.
  return {
    redis: { ...(found.username === '' ? {} : { username: found.username }), password: found.password },
  };
}

/**
 * The shared registry the environment names, connected (REGISTRY_UNAVAILABLE naming the address and the
 * cause if Redis does not answer in time or refuses the database), or undefined for the in-memory default:
 * REDIS_CLUSTER_NODES (comma-separated seed nodes of a Redis Cluster, `host:port` or `redis://host:port`,
 * a user and password as `redis://user:password@host:port` or `redis://:password@host:port`)
 * or else REDIS_URL (one Redis, `redis://` or `rediss://`; any other, or a database that is not a whole
 * number, throws a TypeError naming REDIS_URL before connecting); REDIS_KEY_PREFIX (default 'vk:', in a
 * cluster '{vk}:'; a cluster's prefix needs a hash tag).
 */
export async function registryFromEnvironment(env: Environment): Promise<RedisRegistry | undefined> {
  const keyPrefix = env.REDIS_KEY_PREFIX ? { keyPrefix: env.REDIS_KEY_PREFIX } : {};
  const clusterNodes = env.REDIS_CLUSTER_NODES?.split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
  if (clusterNodes !== undefined && clusterNodes.length > 0) {
    for (const node of clusterNodes) {
      try {
        seedNode(node);
      } catch (error) {
        throw new TypeError(`REDIS_CLUSTER_NODES: ${(error as Error).message}`, { cause: error });
      }
    }
    return RedisRegistry.connect({ clusterNodes, ...keyPrefix, ...clusterCredentials(clusterNodes) });
  }
  if (!env.REDIS_URL) return undefined;
  return RedisRegistry.connect({ url: checkRedisUrl(env.REDIS_URL, 'REDIS_URL'), ...keyPrefix });
}

/**
 * The registry the environment names, fit for a log line: REDIS_CLUSTER_NODES or REDIS_URL with any
 * password in them replaced by '***' (logs are read by more people than may reach Redis), or undefined.
 */
export function registryAddressForLog(env: Environment): string | undefined {
  const named = env.REDIS_CLUSTER_NODES || env.REDIS_URL;
  if (!named) return undefined;
  return named
    .split(',')
    .map((entry) => {
      // A seed node without a scheme is read as redis://<it> (seedNode), so it is redacted as that: to the
      // URL parser, `user:password@host:6379` alone is a URL of scheme `user:` with no password, and it was
      // printed whole.
      const schemeless = !entry.includes('://');
      const redacted = redactRedisUrl(schemeless ? `redis://${entry.trim()}` : entry.trim());
      return schemeless ? redacted.replace(/^redis:\/\//, '') : redacted;
    })
    .join(',');
}

/**
 * GameServer options from the usual environment variables, for a server process's main:
 * HOST (default 127.0.0.1; an IP address or a host name), GUEST_SECRET and GUEST_AUDIENCE, TLS_CERT and TLS_KEY (PEM file
 * paths), UDP_PORT and ANNOUNCED_ADDRESS (the server link's one UDP port and the address announced for
 * it, an IP address or a host name, no port), REDIS_URL or REDIS_CLUSTER_NODES and REDIS_KEY_PREFIX (a
 * shared registry, see `registryFromEnvironment`: connected here, after every other variable is read;
 * close it after the server), NODE_ID and PUBLIC_URL (this node in a cluster), TRUST_PROXY (the
 * reverse proxies in front of the server, whose X-Forwarded-For names players' addresses),
 * MAX_CONNECTIONS_PER_ADDRESS (default 256), CONNECT_BURST and CONNECTS_PER_SECOND (default 256 and 16),
 * GUEST_TOKEN_BURST and GUEST_TOKENS_PER_SECOND (default 256 and 16), ROOM_CREATE_BURST and
 * ROOM_CREATES_PER_SECOND (default 20 and 1),
 * METRICS_TOKEN, ADMIN_TOKEN, HISTORY_FILE and ALERT_WEBHOOK_URL (monitoring; Prometheus metrics are on,
 * labelled with NODE_ID or `label`). `staticDir` is the page to serve.
 */
export async function optionsFromEnvironment(
  env: Environment,
  app: { staticDir: string; label: string },
): Promise<{ options: GameServerOptions; registry: Registry | undefined }> {
  // One without the other is a mistake: serving plain HTTP instead would hide it until players complain.
  if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY)) {
    throw new TypeError(
      `TLS_CERT and TLS_KEY go together: ${env.TLS_CERT ? 'TLS_KEY' : 'TLS_CERT'} is not set`,
    );
  }
  const tls =
    env.TLS_CERT && env.TLS_KEY
      ? { cert: pemFromEnvironment(env, 'TLS_CERT'), key: pemFromEnvironment(env, 'TLS_KEY') }
      : undefined;
  // HOST defaults to 127.0.0.1: serving a network is a choice (HOST=0.0.0.0).
  const host = addressFromEnvironment(env, 'HOST') ?? '127.0.0.1';
  const announcedAddress = addressFromEnvironment(env, 'ANNOUNCED_ADDRESS');
  const guestSecret = guestSecretFromEnvironment(env);
  const guestAudience = guestAudienceFromEnvironment(env);
  // Every other variable is read before the registry connects: a typo is named at once, not after the
  // registry's wait, and a refusal leaves no connection open behind it.
  const options: GameServerOptions = {
    host,
    staticDir: app.staticDir,
    ...(env.NODE_ID ? { nodeId: env.NODE_ID } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    ...(guestSecret ? { guestSecret } : {}),
    ...(guestAudience ? { guestAudience } : {}),
    ...(env.TRUST_PROXY ? { trustProxy: numberFromEnvironment(env, 'TRUST_PROXY', 0) } : {}),
    ...(env.MAX_CONNECTIONS_PER_ADDRESS
      ? { maxConnectionsPerAddress: numberFromEnvironment(env, 'MAX_CONNECTIONS_PER_ADDRESS', 256) }
      : {}),
    ...(env.CONNECT_BURST ? { connectBurst: numberFromEnvironment(env, 'CONNECT_BURST', 256) } : {}),
    ...(env.CONNECTS_PER_SECOND
      ? { connectsPerSecond: numberFromEnvironment(env, 'CONNECTS_PER_SECOND', 16) }
      : {}),
    ...(env.GUEST_TOKEN_BURST
      ? { guestTokenBurst: numberFromEnvironment(env, 'GUEST_TOKEN_BURST', 256) }
      : {}),
    ...(env.GUEST_TOKENS_PER_SECOND
      ? { guestTokensPerSecond: numberFromEnvironment(env, 'GUEST_TOKENS_PER_SECOND', 16) }
      : {}),
    ...(env.ROOM_CREATE_BURST
      ? { roomCreateBurst: numberFromEnvironment(env, 'ROOM_CREATE_BURST', 20) }
      : {}),
    ...(env.ROOM_CREATES_PER_SECOND
      ? { roomCreatesPerSecond: numberFromEnvironment(env, 'ROOM_CREATES_PER_SECOND', 1) }
      : {}),
    ...(env.LISTING_BURST ? { listingBurst: numberFromEnvironment(env, 'LISTING_BURST', 256) } : {}),
    ...(env.LISTINGS_PER_SECOND
      ? { listingsPerSecond: numberFromEnvironment(env, 'LISTINGS_PER_SECOND', 16) }
      : {}),
    ...(tls ? { tls } : {}),
    // Operators: Prometheus at /metrics (METRICS_TOKEN asks scrapers for a bearer token), the dashboard and
    // /analytics with ADMIN_TOKEN, an hour of history kept in HISTORY_FILE across restarts, alerts to a webhook.
    metrics: new PrometheusMetrics({ defaultLabels: { node: env.NODE_ID ?? app.label } }),
    ...(env.METRICS_TOKEN ? { metricsToken: tokenFromEnvironment(env, 'METRICS_TOKEN', 1) } : {}),
    ...(env.ADMIN_TOKEN ? { adminToken: tokenFromEnvironment(env, 'ADMIN_TOKEN', 16) } : {}),
    ...(env.HISTORY_FILE ? { historyFile: env.HISTORY_FILE } : {}),
    ...(env.ALERT_WEBHOOK_URL ? { alertWebhookUrl: httpUrlFromEnvironment(env, 'ALERT_WEBHOOK_URL') } : {}),
    // Players' direct links to the server share one UDP port (a free one unless UDP_PORT says which).
    serverLink: {
      bindAddress: host,
      ...(env.UDP_PORT ? { udpPort: portFromEnvironment(env, 'UDP_PORT') } : {}),
      ...(announcedAddress ? { announcedAddresses: [announcedAddress] } : {}),
    },
  };
  // What GameServer's constructor would refuse (a PUBLIC_URL that is no ws: URL, CONNECT_BURST=0) is
  // refused here too, before the registry connects: a start with Redis down waited its 5 s and then blamed
  // Redis for it.
  resolveLimits(options);
  checkPublicUrl(options.publicUrl);
  checkNodeId(options.nodeId);
  checkServerLinkOptions(options.serverLink);
  // A cluster: every node names the same Redis, a node id, and the URL players reach it at.
  const registry = await registryFromEnvironment(env);
  return { options: registry ? { ...options, registry } : options, registry };
}
