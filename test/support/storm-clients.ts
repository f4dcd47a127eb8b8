/**
 * Run as its own process (bundled by the join-storm test): opens COUNT clients at once against URL,
 * each joining ROOM with a server link, and prints one JSON line when all are direct or time is up.
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

const startedAt = Date.now();
const clients = Array.from(
  { length: count },
  () =>
    new Client({
      url: url!,
      token: guestToken,
      WebSocket,
      serverLink: {
        RTCPeerConnection,
        extraConfiguration: { bindAddress: '127.0.0.1' },
      },
    }),
);
await Promise.all(
  clients.map(async (client) => {
    await client.connect();
    await client.join(roomId!);
  }),
);
const joinedMs = Date.now() - startedAt;
const deadline = Date.now() + 60_000;
// A direct path up, whether or not it carries the traffic this moment: a path can go quiet for a moment
// (a stalled server is silent) and hand its traffic to TCP mode, which says nothing of its handshake.
const isDirect = (client: Client) => client.serverLink.direct?.state === 'direct';
while (clients.some((client) => !isDirect(client)) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const direct = clients.filter(isDirect).length;
console.log(JSON.stringify({ joinedMs, allDirectMs: Date.now() - startedAt, direct }));
for (const client of clients) client.close();
setTimeout(() => process.exit(0), 200);
