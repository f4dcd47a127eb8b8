/** Colyseus and bare-ws players for the CCU benchmark: each decodes everything it receives. */
import { Client as ColyseusClient } from 'colyseus.js';
import { pack, unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import type { Bot } from './bots-types.js';
import type { InputPacer } from './input-pacer.js';
import type { LoadMeter } from './load-meter.js';
import { botInput } from './scenario.js';

/** One room's players: the first creates it, the others join by id. colyseus.js decodes every patch. */
export async function colyseusRoomOfBots(
  url: string,
  count: number,
  firstIndex: number,
  meter: LoadMeter,
  pacer: InputPacer,
): Promise<Bot[]> {
  const bots: Bot[] = [];
  let roomId: string | undefined;
  const open = async (index: number) => {
    const client = new ColyseusClient(url);
    const room = roomId ? await client.joinById(roomId) : await client.create('ccu');
    roomId = room.roomId;
    room.onStateChange(() => meter.snapshots++);
    let seq = 0;
    const send = (wallMs: number) => {
      const input = botInput(index, seq++, wallMs);
      room.send('input', [input.seq, input.throttle, input.steer]);
      meter.inputs++;
    };
    const stop = pacer.add(index, send);
    bots.push({
      direct: () => false,
      close: () => {
        stop();
        room.leave(false).catch(() => undefined);
      },
    });
  };
  await open(firstIndex);
  await Promise.all(Array.from({ length: count - 1 }, (_, i) => open(firstIndex + 1 + i)));
  return bots;
}

/** One room's sockets, connected one after another (the server seats sockets 16 a room, in order). */
export async function bareWsRoomOfBots(
  url: string,
  count: number,
  firstIndex: number,
  meter: LoadMeter,
  pacer: InputPacer,
): Promise<Bot[]> {
  const bots: Bot[] = [];
  for (let i = 0; i < count; i++) {
    const index = firstIndex + i;
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('message', (data: Buffer) => {
      unpack(data);
      meter.snapshots++;
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    let seq = 0;
    const send = (wallMs: number) => {
      const input = botInput(index, seq++, wallMs);
      socket.send(pack([input.seq, input.throttle, input.steer]));
      meter.inputs++;
    };
    const stop = pacer.add(index, send);
    bots.push({
      direct: () => false,
      close: () => {
        stop();
        socket.terminate();
      },
    });
  }
  return bots;
}
