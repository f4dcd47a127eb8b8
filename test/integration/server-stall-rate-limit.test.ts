import { Client, type RoomConnection } from 'vehikill-net/client';
import { Kind } from 'vehikill-net/protocol';
import { Channel } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep } from '../support/server.js';
import { type StallCounts, StallingServerProcess } from '../support/stalling-server-process.js';
import { steady } from '../support/steady-sender.js';

/*
 * A stall of the server process (a long GC pause, a starved CPU) while its players' machines go on: what
 * they sent meanwhile waits in the server's sockets and is read all at once after it. Their rate limits
 * (the session's: 240 at once, 120 a second; its server link's: 480 at once, 240 a second) must not take
 * that for a burst of theirs, while a flood through the stall still gets no more than the stall's worth of
 * the rate. Before, a player sending 100 a second was closed with RATE_LIMITED after a stall of 2.4 s
 * (240 / 100), again at each resume while its replay was judged against the emptied budget, and its link's
 * inputs were dropped after one of 4.8 s.
 */

/** An honest game's pace: inputs 100 times a second, under the 108 a second the client keeps to. */
const PER_SECOND = 100;

let server: StallingServerProcess | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.kill();
  server = undefined;
});

interface Player {
  client: Client;
  playerId: string;
  /** Codes of every error the server told it (a notice, or the reason it was closed). */
  errors: string[];
  drops: number;
}

async function player(wsUrl: string): Promise<Player> {
  const client = new Client({
    url: wsUrl,
    WebSocket,
    serverLink: 'off',
    backoff: { baseMs: 20, maxMs: 200 },
  });
  clients.push(client);
  const seen: Player = { client, playerId: '', errors: [], drops: 0 };
  client.on('error', (error) => seen.errors.push(error.code));
  client.on('drop', () => seen.drops++);
  await client.connect();
  seen.playerId = client.playerId as string;
  return seen;
}

describe('a stall of the server process and its players rate limits', () => {
  it('players sending under the rate through a stall of 5 s are neither closed nor lose inputs', async () => {
    server = await StallingServerProcess.start();
    const { wsUrl } = server;
    const roomPlayer = await player(wsUrl);
    const linkPlayer = await player(wsUrl);
    const room: RoomConnection = await roomPlayer.client.create('count');
    await linkPlayer.client.join(room.roomId);
    // Reliable room messages (one over the rate closes the connection) and server-link inputs in TCP mode
    // (those over the rate are dropped): the two ways a game's inputs come.
    const inputs = steady(PER_SECOND, () => room.send('input', 1));
    const datagrams = steady(PER_SECOND, () =>
      linkPlayer.client.serverLink.send(Channel.phys, new Uint8Array(8)),
    );
    await sleep(1_000);
    await (await server.stall(5_000)).over;
    await sleep(1_000);
    const sentInputs = await inputs.stop();
    const sentDatagrams = await datagrams.stop();
    let counts: StallCounts = {};
    // Until everything sent was heard; what the server dropped never is (the counts then tell).
    for (let wait = 0; wait < 50; wait++) {
      counts = await (server as StallingServerProcess).counts();
      const heardInputs = counts[roomPlayer.playerId]?.inputs ?? 0;
      const heardDatagrams = counts[linkPlayer.playerId]?.datagrams ?? 0;
      const shed = linkPlayer.client.stats().sends.volatileDropped;
      if (heardInputs >= sentInputs && heardDatagrams >= sentDatagrams - shed) break;
      await sleep(100);
    }
    expect(roomPlayer.errors).toEqual([]);
    expect(roomPlayer.drops).toBe(0);
    expect(linkPlayer.errors).toEqual([]);
    expect(counts[roomPlayer.playerId]?.inputs).toBe(sentInputs);
    // What the client itself shed (its own pacing, should this test process have stalled and caught up)
    // never left it; everything that did was heard.
    const shed = linkPlayer.client.stats().sends.volatileDropped;
    expect(counts[linkPlayer.playerId]?.datagrams).toBe(sentDatagrams - shed);
  }, 60_000);

  it('a flood sent during a stall of 3 s gets the burst and 3 s of the rate, the rest dropped', async () => {
    server = await StallingServerProcess.start();
    const raw = new RawClient(server.wsUrl, await server.guestToken());
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    const stalled = await server.stall(3_000);
    // While the server stands still, 2,000 pings at once: each one the server admits it answers.
    for (let id = 0; id < 2_000; id++) raw.send(Kind.Ping, { id, t: 0 });
    await stalled.over;
    await sleep(1_000);
    const pongs = raw.received(Kind.Pong).length;
    // The burst (240) and the stall's 3 s at 120 a second (360): before, the burst alone.
    expect(pongs).toBeGreaterThan(240 + 120 * 2.5);
    // And not much more, however many were sent: a second's rate at most for the reading after the stall.
    expect(pongs).toBeLessThan(240 + 120 * 4);
    expect(raw.closeCode).toBeUndefined();
    raw.close();
  }, 60_000);
});
