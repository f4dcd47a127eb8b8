import { Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep } from '../support/server.js';
import { StallingServerProcess } from '../support/stalling-server-process.js';

/*
 * A stall of the server process longer than its heartbeat timeout (a long GC pause, a swapped-out VM, a
 * debugger, a slow synchronous save) while its players go on talking. What they sent meanwhile waits in
 * its sockets; when the loop wakes, Node runs its due timers before it reads them. Before, the heartbeat
 * check ran first and took every player for silent: all were cut off at once (heartbeat_timeouts_total
 * counted every one) and had to resume. Here the heartbeat is 250 ms and its timeout 2 s, so that a
 * stall of 4 s stands for one past the default 15 s.
 */

const HEARTBEAT = { heartbeatMs: 250, heartbeatTimeoutMs: 2_000 };

let server: StallingServerProcess | undefined;
const sockets: RawClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.kill();
  server = undefined;
});

async function welcomed(stalling: StallingServerProcess): Promise<RawClient> {
  const raw = new RawClient(stalling.wsUrl, await stalling.guestToken());
  sockets.push(raw);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}

/** Pings the server every 100 ms, as a client's heartbeat does, until stopped. */
function keepTalking(raw: RawClient): () => void {
  let id = 0;
  const timer = setInterval(() => raw.send(Kind.Ping, { id: id++, t: Date.now() }), 100);
  return () => clearInterval(timer);
}

describe('a stall of the server process past its heartbeat timeout', () => {
  it('cuts no player that went on talking through it, and a silent one at the first check after', async () => {
    server = await StallingServerProcess.start(HEARTBEAT);
    const talking = await welcomed(server);
    const silent = await welcomed(server);
    await sleep(200);
    const stalled = await server.stall(4_000);
    // Only from now on: had a ping come with the stall command, the server could read it in the same turn
    // as that command, after the stall, and so hear the player before its check. The silent one says
    // nothing more at all, and is well past the timeout by the time the stall ends.
    const stopTalking = keepTalking(talking);
    await stalled.over;
    const pingsAtWake = talking.received(Kind.Ping).length;
    await silent.closed;
    // Cut at the check that runs once the loop has read its sockets, or at the next at most: the server
    // pings every connection it keeps at each check, and the talking player had at most two since.
    expect(talking.received(Kind.Ping).length - pingsAtWake).toBeLessThanOrEqual(2);
    // The talking player is heard, and kept, through checks enough to have cut it many times over.
    await sleep(2_000);
    stopTalking();
    expect(talking.closeCode).toBeUndefined();
    expect(await server.metric('heartbeat_timeouts_total')).toBe(1);
  }, 30_000);
});
