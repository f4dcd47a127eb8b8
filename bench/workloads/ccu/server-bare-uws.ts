/**
 * The CCU scenario's second floor: the bare server of server-bare-ws.ts (the same rooms, see
 * bare-room.ts) on uWebSockets.js instead of `ws`, to show how much of the floor is the WebSocket stack
 * itself. Sockets are seated in the order they connect: 16 per room.
 */
import { type BareRoom, type BareSeat, roomFor } from './bare-room.js';
import type { LoadMeter } from './load-meter.js';
import { PLAYERS_PER_ROOM } from './scenario.js';
import type { RunningServer } from './server-types.js';
import { loadUws, type UwsSocket } from './uws-binary.js';

export async function startBareUwsServer(meter: LoadMeter): Promise<RunningServer> {
  const uws = loadUws();
  const rooms: BareRoom[] = [];
  const seats = new Map<UwsSocket, { room: BareRoom; seat: BareSeat }>();
  let connected = 0;
  const app = uws.App().ws('/*', {
    compression: 0,
    maxPayloadLength: 64 * 1024,
    // The bots send inputs 30 times a second; no idle cut-off is wanted.
    idleTimeout: 0,
    open: (socket) => {
      const room = roomFor(rooms, connected++, meter, PLAYERS_PER_ROOM);
      seats.set(socket, { room, seat: room.seat((bytes) => socket.send(bytes, true)) });
    },
    // uWebSockets.js lends the message's memory for the call only: the room reads it at once.
    message: (socket, data) => {
      const seated = seats.get(socket);
      seated?.room.input(seated.seat, new Uint8Array(data));
    },
    close: (socket) => {
      const seated = seats.get(socket);
      seats.delete(socket);
      seated?.room.leave(seated.seat);
    },
  });
  const token = await new Promise<unknown>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (listening) =>
      listening ? resolve(listening) : reject(new Error('uWebSockets.js could not listen on 127.0.0.1')),
    ),
  );
  const port = uws.us_socket_local_port(token);
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const room of rooms) room.close();
      uws.us_listen_socket_close(token);
      for (const socket of [...seats.keys()]) socket.end(1001);
    },
  };
}
