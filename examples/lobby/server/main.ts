/** The demo server `npm start` runs: the lobby page and chat rooms, in memory, on one process. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GameServer } from 'vehikill-net/server';
import { ChatRoom } from './chat-room.js';

const env = process.env;
const tls =
  env.TLS_CERT && env.TLS_KEY
    ? { cert: readFileSync(env.TLS_CERT), key: readFileSync(env.TLS_KEY) }
    : undefined;
const server = new GameServer({
  host: env.HOST ?? '127.0.0.1',
  staticDir: fileURLToPath(new URL('../web/', import.meta.url)),
  ...(env.GUEST_SECRET ? { guestSecret: env.GUEST_SECRET } : {}),
  ...(tls ? { tls } : {}),
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
if (server.serverLinks.available) console.log(`server links: UDP port ${server.serverLinks.udpPort}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: closing (players are told; rooms get 5 s to drain)`);
    void server.close({ drainMs: 5_000 }).then(() => process.exit(0));
  });
}
