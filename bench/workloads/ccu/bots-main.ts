/**
 * The bot process of the CCU benchmark (pinned to core 1 by `PinnedProcess`): argv[2] is the system,
 * argv[3] the server's URL, argv[4] the load model ('full': every player decodes; 'light': one per room,
 * see `LoadModel`). `add` makes more players, in rooms of 16; `mark` / `read` report this
 * process's own load and what its players sent and received, so a saturated bot core shows.
 */
import { bareWsRoomOfBots, colyseusRoomOfBots } from './bots-others.js';
import { oursRoomOfBots } from './bots-ours.js';
import type { Bot } from './bots-types.js';
import { InputPacer } from './input-pacer.js';
import { LoadMeter } from './load-meter.js';
import { serveRequests } from './pinned-process.js';
import { PLAYERS_PER_ROOM } from './scenario.js';
import { type AddReply, type BotRequest, decodingPerRoom, type LoadModel, type System } from './systems.js';

const system = process.argv[2] as System;
const url = process.argv[3] as string;
const decoding = decodingPerRoom(process.argv[4] as LoadModel);
const meter = new LoadMeter();
const bots: Bot[] = [];
const pacer = new InputPacer();

function roomOfBots(count: number, firstIndex: number): Promise<Bot[]> {
  const room = { url, count, firstIndex, decoding, meter, pacer };
  if (system === 'colyseus') return colyseusRoomOfBots(room);
  // Both bare servers speak the same messages over a plain WebSocket.
  if (system === 'bare-ws' || system === 'bare-uws') return bareWsRoomOfBots(room);
  return oursRoomOfBots(system, room);
}

async function add(count: number): Promise<AddReply> {
  const started = performance.now();
  const rooms: Array<() => Promise<Bot[]>> = [];
  for (let made = 0; made < count; made += PLAYERS_PER_ROOM) {
    const firstIndex = bots.length + made;
    rooms.push(() => roomOfBots(Math.min(PLAYERS_PER_ROOM, count - made), firstIndex));
  }
  // The bare servers seat sockets in arrival order: their rooms must connect one after another.
  if (system === 'bare-ws' || system === 'bare-uws') for (const room of rooms) bots.push(...(await room()));
  else for (const room of await Promise.all(rooms.map((room) => room()))) bots.push(...room);
  if (system === 'ours-link') {
    const deadline = Date.now() + 60_000;
    while (bots.some((bot) => !bot.direct()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    players: bots.length,
    direct: bots.filter((bot) => bot.direct()).length,
    joinMs: performance.now() - started,
  };
}

serveRequests<BotRequest>(
  async (request) => {
    switch (request.op) {
      case 'add':
        return add(request.count);
      case 'mark':
        meter.mark();
        return {};
      case 'read': {
        const checked = bots.filter((bot) => bot.holdsRoom !== undefined);
        return {
          ...meter.read(),
          players: bots.length,
          direct: bots.filter((bot) => bot.direct()).length,
          decoding: checked.length,
          holdingRoom: checked.filter((bot) => bot.holdsRoom?.()).length,
        };
      }
      case 'close':
        pacer.stop();
        for (const bot of bots) bot.close();
        setTimeout(() => process.exit(0), 300);
        return {};
    }
  },
  { pid: process.pid },
);
