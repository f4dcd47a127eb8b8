/**
 * The lobby demo's server: the lobby page and chat rooms. In memory on one process by default; with
 * REDIS_URL several processes share rooms through Redis (docs/operations.md). The environment it reads is
 * listed on `optionsFromEnvironment`, plus PORT and DRAIN_MS.
 */
import { fileURLToPath } from 'node:url';
import {
  exitOnStartFailure,
  GameServer,
  numberFromEnvironment,
  optionsFromEnvironment,
  portFromEnvironment,
  registryAddressForLog,
  stopOnSignals,
  urlToOpen,
} from 'vehikill-net/server';
import { ChatRoom } from './chat-room.js';

async function main(): Promise<void> {
  const env = process.env;
  // Every number is read before anything connects or listens, so a typo stops the start, not a running server.
  const port = portFromEnvironment(env, 'PORT', 8080);
  const drainMs = numberFromEnvironment(env, 'DRAIN_MS', 60_000);
  const { options, registry } = await optionsFromEnvironment(env, {
    staticDir: fileURLToPath(new URL('../web/', import.meta.url)),
    label: 'lobby',
  });
  const server = new GameServer(options).define('chat', ChatRoom);

  const { httpUrl } = await server.listen(port);
  // Before the banner: whoever starts the process may signal it as soon as it has read the address.
  stopOnSignals(server, {
    ...(registry ? { registry } : {}),
    drainMs,
  });
  const { url, allInterfaces } = urlToOpen(httpUrl);
  console.log(`vehikill-net lobby: ${url}${allInterfaces ? ' (listening on all interfaces)' : ''}`);
  if (registry)
    console.log(
      `node ${server.nodeId} sharing rooms through ${registryAddressForLog(env)}, as ${server.publicUrl}`,
    );
  if (env.ADMIN_TOKEN) console.log(`dashboard: ${url}/dashboard (sign in with ADMIN_TOKEN)`);
  if (server.serverLinks.available) console.log(`server links: UDP port ${server.serverLinks.udpPort}`);
}

await main().catch((error: unknown) => exitOnStartFailure('lobby', error));
