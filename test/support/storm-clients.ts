/**
 * Run as its own process (bundled by the join-storm test): opens COUNT clients at once against URL,
 * each joining ROOM with a server link, and prints one JSON line when all are direct or time is up (or,
 * when a player could not join in three tries, why).
 * A separate process, so the clients' own CPU does not run on the server's event loop.
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { WebSocket } from 'ws';
import { Client } from '../../src/client/index.js';

const [url, roomId, countText, tokenUrl] = process.argv.slice(2);
const count = Number(countText);

async function guestToken(): Promise<string> {
  const response = await fetch(tokenUrl!, { method: 'POST', body: '{}' });
  return ((await response.json()) as { token: string }).token;
}

/** Tries a player gets: a starved one can lose its session in the burst, and a game would join again. */
const ATTEMPTS = 3;

const newClient = () =>
  new Client({
    url: url!,
    token: guestToken,
    WebSocket,
    serverLink: {
      RTCPeerConnection,
      extraConfiguration: { bindAddress: '127.0.0.1' },
    },
  });

/** Why a player's tries failed, by error code (or message), for the test's report. */
const failures: string[] = [];

/** A player connected and in the room; each failed try is closed and replaced by a new client. */
async function joinedPlayer(): Promise<Client> {
  for (let attempt = 1; ; attempt++) {
    const client = newClient();
    try {
      await client.connect();
      await client.join(roomId!);
      return client;
    } catch (error) {
      client.close();
      failures.push((error as { code?: string }).code ?? String(error).slice(0, 200));
      if (attempt === ATTEMPTS) throw new Error(`a player failed ${ATTEMPTS} joins: ${failures.join(', ')}`);
    }
  }
}

// One JSON line whatever happens: the test reports it, instead of a process that died silent.
function fail(error: unknown): never {
  console.log(JSON.stringify({ error: String(error).slice(0, 500), failures }));
  process.exit(1);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const startedAt = Date.now();
const clients = await Promise.all(Array.from({ length: count }, joinedPlayer)).catch(fail);
const joinedMs = Date.now() - startedAt;
const deadline = Date.now() + 60_000;
// A direct path up, whether or not it carries the traffic this moment: a path can go quiet for a moment
// (a stalled server is silent) and hand its traffic to TCP mode, which says nothing of its handshake.
const isDirect = (client: Client) => client.serverLink.direct?.state === 'direct';
while (clients.some((client) => !isDirect(client)) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const direct = clients.filter(isDirect).length;
console.log(JSON.stringify({ joinedMs, allDirectMs: Date.now() - startedAt, direct, failures }));
for (const client of clients) client.close();
setTimeout(() => process.exit(0), 200);
