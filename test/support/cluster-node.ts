/**
 * One node of a test cluster, run as its own process by test/support/cluster.ts: a GameServer on a
 * free port with the Redis registry (REDIS_URL or REDIS_CLUSTER_NODES) and an 'arena' room type of 4 seats. Prints `READY <wsUrl> <nodeId>`
 * once listening. SIGTERM drains (DRAIN_MS) and exits; SIGKILL is the crash case.
 */
import * as v from 'valibot';
import { GameServer, Room, registryFromEnvironment } from '../../src/server/index.js';

class ArenaRoom extends Room {
  override onCreate(options: unknown): void {
    this.setMaxClients(4);
    // A tag to quick-play by, so that a test can aim at its own rooms among those others left.
    const tag = (options as { tag?: unknown } | undefined)?.tag;
    if (typeof tag === 'string') this.setMetadata({ tag });
    this.onMessage('echo', v.unknown(), (client, data) => client.send('echo', data));
  }
}

const env = process.env;
const registry = await registryFromEnvironment(env);
if (registry === undefined) throw new Error('a cluster node needs REDIS_URL or REDIS_CLUSTER_NODES');
const server = new GameServer({
  registry,
  ...(env.NODE_ID ? { nodeId: env.NODE_ID } : {}),
  guestSecret: env.GUEST_SECRET ?? 'a-cluster-wide-secret-of-at-least-32-bytes',
  nodeTtlMs: Number(env.NODE_TTL_MS ?? 3_000),
  heartbeatMs: 1_000,
  serverLink: { enabled: false },
});
server.define('arena', ArenaRoom);
const { wsUrl } = await server.listen(0);
console.log(`READY ${wsUrl} ${server.nodeId}`);

process.on('SIGTERM', () => {
  void server
    .drain({ deadlineMs: Number(env.DRAIN_MS ?? 1_000) })
    .then(() => server.close({ drainMs: 0 }))
    .then(() => registry.close())
    .then(() => process.exit(0));
});
