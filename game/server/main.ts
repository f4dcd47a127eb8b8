/**
 * The Vehikill server `npm start` runs: the game page (built into dist/game/web) and 'vehikill' rooms,
 * plus the lobby demo's 'chat' rooms. In memory on one process by default; with REDIS_URL several
 * processes share rooms through Redis (docs/operations.md). The environment it reads is listed on
 * `optionsFromEnvironment` (vehikill-net/server), plus PORT, DRAIN_MS and, for the game, QUICK_PLAY_BOTS
 * (players a Quick Play room is topped up to with bots, default 4; 0 for none), MATCH_SECONDS (default
 * 300), PAUSE_SECONDS (between matches, default 10), MAX_BOTS_PER_ADDRESS (server bots the rooms created
 * from one address may run at once, default 48) and RELOAD_HOLD_SECONDS (how long a player's seat is held
 * once their page goes away, for a reload to take it back, default 10).
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
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { ROOM_TYPE } from '../protocol/index.js';
import { DEFAULT_MAX_BOTS_PER_ADDRESS } from './bot-allowance.js';
import { ROOM_DEFAULTS, type RoomConfigProblem, roomConfigProblem } from './room-config.js';
import { vehikillRoom } from './vehikill-room.js';

/** The environment variable each room setting main reads comes from. */
const ENVIRONMENT_OF = {
  quickPlayBots: 'QUICK_PLAY_BOTS',
  matchSeconds: 'MATCH_SECONDS',
  pauseSeconds: 'PAUSE_SECONDS',
  maxBotsPerAddress: 'MAX_BOTS_PER_ADDRESS',
  reloadHoldSeconds: 'RELOAD_HOLD_SECONDS',
} as const satisfies Partial<Record<RoomConfigProblem['field'], string>>;

async function main(): Promise<void> {
  const env = process.env;
  // Every number is read before anything connects or listens, so a typo stops the start, not a running server.
  const port = portFromEnvironment(env, 'PORT', 8080);
  const drainMs = numberFromEnvironment(env, 'DRAIN_MS', 60_000);
  const roomSettings = {
    quickPlayBots: numberFromEnvironment(env, 'QUICK_PLAY_BOTS', 4),
    matchSeconds: numberFromEnvironment(env, 'MATCH_SECONDS', 300),
    pauseSeconds: numberFromEnvironment(env, 'PAUSE_SECONDS', 10),
    maxBotsPerAddress: numberFromEnvironment(env, 'MAX_BOTS_PER_ADDRESS', DEFAULT_MAX_BOTS_PER_ADDRESS),
    reloadHoldSeconds: numberFromEnvironment(env, 'RELOAD_HOLD_SECONDS', ROOM_DEFAULTS.reloadHoldSeconds),
  };
  // Checked as the rooms will use it: a value their rules refuse (MATCH_SECONDS=0) would otherwise start a
  // server that refuses every room it is asked for.
  const problem = roomConfigProblem(roomSettings);
  if (problem) {
    const name = ENVIRONMENT_OF[problem.field as keyof typeof ENVIRONMENT_OF];
    throw new TypeError(`${name} '${env[name]}' is refused: ${problem.message}`);
  }
  const { options, registry } = await optionsFromEnvironment(env, {
    staticDir: fileURLToPath(new URL('../web/', import.meta.url)),
    label: 'vehikill',
  });
  const server = new GameServer(options);
  // The rooms' state sync counts into the server's metrics: its sync_* series on /metrics.
  server.define(ROOM_TYPE, vehikillRoom({ ...roomSettings, metrics: server.metrics }));
  server.define('chat', ChatRoom);

  const { httpUrl } = await server.listen(port);
  // Before the banner: whoever starts the process may signal it as soon as it has read the address.
  stopOnSignals(server, {
    ...(registry ? { registry } : {}),
    drainMs,
  });
  const { url, allInterfaces } = urlToOpen(httpUrl);
  console.log(`Vehikill: ${url}${allInterfaces ? ' (listening on all interfaces)' : ''}`);
  if (registry)
    console.log(
      `node ${server.nodeId} sharing rooms through ${registryAddressForLog(env)}, as ${server.publicUrl}`,
    );
  if (env.ADMIN_TOKEN) console.log(`dashboard: ${url}/dashboard (sign in with ADMIN_TOKEN)`);
  if (server.serverLinks.available) console.log(`server links: UDP port ${server.serverLinks.udpPort}`);
}

await main().catch((error: unknown) => exitOnStartFailure('vehikill', error));
