/**
 * The demo server `npm start` runs: the lobby page and chat rooms. In memory on one process by default;
 * with REDIS_URL several processes share rooms through Redis (docs/operations.md).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GameServer, PrometheusMetrics, RedisRegistry, type Registry } from 'vehikill-net/server';
import { ChatRoom } from './chat-room.js';

const env = process.env;
const tls =
  env.TLS_CERT && env.TLS_KEY
    ? { cert: readFileSync(env.TLS_CERT), key: readFileSync(env.TLS_KEY) }
    : undefined;
// A cluster: every node names the same Redis, a node id, and the URL players reach it at.
const registry: Registry | undefined = env.REDIS_URL
  ? await RedisRegistry.connect({ url: env.REDIS_URL })
  : undefined;
const server = new GameServer({
  host: env.HOST ?? '127.0.0.1',
  ...(registry ? { registry } : {}),
  ...(env.NODE_ID ? { nodeId: env.NODE_ID } : {}),
  ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
  staticDir: fileURLToPath(new URL('../web/', import.meta.url)),
  ...(env.GUEST_SECRET ? { guestSecret: env.GUEST_SECRET } : {}),
  ...(tls ? { tls } : {}),
  // Operators: Prometheus at /metrics (METRICS_TOKEN asks scrapers for a bearer token), the dashboard and
  // /analytics with ADMIN_TOKEN, an hour of history kept in HISTORY_FILE across restarts, alerts to a webhook.
  metrics: new PrometheusMetrics({ defaultLabels: { node: env.NODE_ID ?? 'lobby' } }),
  ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
  ...(env.ADMIN_TOKEN ? { adminToken: env.ADMIN_TOKEN } : {}),
  ...(env.HISTORY_FILE ? { historyFile: env.HISTORY_FILE } : {}),
  ...(env.ALERT_WEBHOOK_URL ? { alertWebhookUrl: env.ALERT_WEBHOOK_URL } : {}),
  // Players' direct links to the server share one UDP port (a free one unless UDP_PORT says which).
  serverLink: {
    bindAddress: env.HOST ?? '127.0.0.1',
    ...(env.UDP_PORT ? { udpPort: Number(env.UDP_PORT) } : {}),
    ...(env.ANNOUNCED_ADDRESS ? { announcedAddresses: [env.ANNOUNCED_ADDRESS] } : {}),
  },
});
server.define('chat', ChatRoom);

const { httpUrl } = await server.listen(Number(env.PORT ?? 8080));
console.log(`vehikill-net lobby: ${httpUrl.replace('127.0.0.1', 'localhost')}`);
if (registry)
  console.log(`node ${server.nodeId} in the Redis cluster at ${env.REDIS_URL}, as ${server.publicUrl}`);
if (env.ADMIN_TOKEN) console.log(`dashboard: ${httpUrl}/dashboard (sign in with ADMIN_TOKEN)`);
if (server.serverLinks.available) console.log(`server links: UDP port ${server.serverLinks.udpPort}`);

const drainMs = Number(env.DRAIN_MS ?? 60_000);
let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log('SIGINT: closing (players are told; rooms get 5 s to drain)');
  void server
    .close({ drainMs: 5_000 })
    .then(() => registry?.close())
    .then(() => process.exit(0));
});
// A deploy: in a cluster, running matches finish (up to DRAIN_MS), then players move to another node.
process.on('SIGTERM', () => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`SIGTERM: draining (no new rooms; matches get up to ${drainMs / 1000} s)`);
  void server
    .drain({ deadlineMs: drainMs })
    .then(() => server.close({ drainMs: 0 }))
    .then(() => registry?.close())
    .then(() => process.exit(0));
});
