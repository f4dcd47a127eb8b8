/**
 * The floor of the CCU scenario: a bare `ws` server with the same rooms of 16 and the same car motion,
 * no library (see bare-room.ts). Sockets are seated in the order they connect: 16 per room.
 */
import { WebSocketServer } from 'ws';
import { type BareRoom, roomFor } from './bare-room.js';
import type { LoadMeter } from './load-meter.js';
import { PLAYERS_PER_ROOM } from './scenario.js';
import type { RunningServer } from './server-types.js';

export async function startBareWsServer(meter: LoadMeter): Promise<RunningServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const rooms: BareRoom[] = [];
  let connected = 0;
  wss.on('connection', (socket) => {
    const room = roomFor(rooms, connected++, meter, PLAYERS_PER_ROOM);
    const seat = room.seat((bytes) => socket.send(bytes));
    socket.on('message', (data: Buffer) => room.input(seat, data));
    socket.on('close', () => room.leave(seat));
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const room of rooms) room.close();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}
