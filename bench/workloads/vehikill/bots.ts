/**
 * The bots of the match benchmark, in their own process pinned to the other core: `argv[2]` players,
 * each a GameSession driven by the bot brain over its WebSocket (TCP mode), in one private room without
 * server bots. `argv[4]`, if given, seats the room for that many players, for others to join by the room
 * code its ready message gives. Answers `traffic` (their WebSocket payload bytes, in and out, summed)
 * over IPC.
 */
import { Client } from 'vehikill-net/client';
import { botPlayer, drive } from '../../../game/bots/bot-player.js';
import { countingWebSocket, type Traffic } from '../../../game/bots/counting-web-socket.js';
import type { GameSession } from '../../../game/client/game-session.js';
import { serveRequests } from '../ccu/pinned-process.js';

export type MatchBotsRequest = { op: 'traffic' } | { op: 'close' };

const [url, countText, seatsText] = process.argv.slice(2);
const count = Number(countText);
const seats = seatsText === undefined ? count : Number(seatsText);
const traffic: Traffic = { bytesIn: 0, bytesOut: 0 };
const WebSocket = countingWebSocket(traffic);
const sessions: GameSession[] = [];
for (let index = 0; index < count; index++) {
  const client = new Client({ url: url as string, name: `Bot ${index + 1}`, WebSocket, serverLink: 'off' });
  sessions.push(botPlayer({ client, seed: 1 + index, mesh: { rtc: false } }));
}
const first = sessions[0] as GameSession;
await first.createPrivate({ bots: 0, matchMinutes: 10, maxPlayers: seats });
const code = first.room?.code as string;
await Promise.all(sessions.slice(1).map((session) => session.joinByCode(code)));
const stop = drive(sessions);

serveRequests<MatchBotsRequest>(
  async (request) => {
    switch (request.op) {
      case 'traffic':
        return { ...traffic };
      case 'close':
        stop();
        for (const session of sessions) session.close();
        setTimeout(() => process.exit(0), 100);
        return {};
    }
  },
  { players: sessions.length, code },
);
