/**
 * The Vehikill server `npm start` runs: the game page (built into dist/game/web) and 'vehikill' rooms,
 * plus the lobby's 'chat' rooms. In memory on one process by default; with REDIS_URL several processes
 * share rooms through Redis (docs/operations.md). Environment: PORT, HOST, GUEST_SECRET, TLS_CERT and
 * TLS_KEY, UDP_PORT, ANNOUNCED_ADDRESS, REDIS_URL, NODE_ID, PUBLIC_URL, METRICS_TOKEN, ADMIN_TOKEN,
 * HISTORY_FILE, ALERT_WEBHOOK_URL, DRAIN_MS; for the game: QUICK_PLAY_BOTS (players a Quick Play room is
 * topped up to with bots, default 4; 0 for none), MATCH_SECONDS (default 300), PAUSE_SECONDS (between
 * matches, default 10).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GameServer, PrometheusMetrics, RedisRegistry, type Registry } from 'vehikill-net/server';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { ROOM_TYPE } from '../protocol/index.js';
import { vehikillRoom } from './vehikill-room.js';

const env = process.env;

/** A whole number from the environment, or the default; anything else stops the server at once. */
function numberFrom(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a number ≥ 0, got '${raw}'`);
  return value;
}

const tls =
  env.TLS_CERT && env.TLS_KEY
    ? { cert: readFileSync(env.TLS_CERT), key: readFileSync(env.TLS_KEY) }
    : undefined;
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
  metrics: new PrometheusMetrics({ defaultLabels: { node: env.NODE_ID ?? 'vehikill' } }),
  ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
  ...(env.ADMIN_TOKEN ? { adminToken: env.ADMIN_TOKEN } : {}),
  ...(env.HISTORY_FILE ? { historyFile: env.HISTORY_FILE } : {}),
  ...(env.ALERT_WEBHOOK_URL ? { alertWebhookUrl: env.ALERT_WEBHOOK_URL } : {}),
  serverLink: {
    bindAddress: env.HOST ?? '127.0.0.1',
    ...(env.UDP_PORT ? { udpPort: Number(env.UDP_PORT) } : {}),
    ...(env.ANNOUNCED_ADDRESS ? { announcedAddresses: [env.ANNOUNCED_ADDRESS] } : {}),
  },
});
server.define(
  ROOM_TYPE,
  vehikillRoom({
    quickPlayBots: numberFrom('QUICK_PLAY_BOTS', 4),
    matchSeconds: numberFrom('MATCH_SECONDS', 300),
    pauseSeconds: numberFrom('PAUSE_SECONDS', 10),
  }),
);
server.define('chat', ChatRoom);

const { httpUrl } = await server.listen(numberFrom('PORT', 8080));
console.log(`Vehikill: ${httpUrl.replace('127.0.0.1', 'localhost')}`);
if (registry)
  console.log(`node ${server.nodeId} in the Redis cluster at ${env.REDIS_URL}, as ${server.publicUrl}`);
if (env.ADMIN_TOKEN) console.log(`dashboard: ${httpUrl}/dashboard (sign in with ADMIN_TOKEN)`);
if (server.serverLinks.available) console.log(`server links: UDP port ${server.serverLinks.udpPort}`);

const drainMs = numberFrom('DRAIN_MS', 60_000);
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
