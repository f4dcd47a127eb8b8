/**
 * The CCU scenario's second floor: the bare server of server-bare-ws.ts (the same rooms of 16, car
 * motion, msgpack snapshots and inputs) on uWebSockets.js instead of `ws`, to show how much of the floor
 * is the WebSocket stack itself. Sockets are seated in the order they connect: 16 per room.
 */
import { pack, unpack } from 'msgpackr';
import { type LoadMeter, RoomTickClock } from './load-meter.js';
import { type Car, type CarInput, PLAYERS_PER_ROOM, startCar, stepCar, TICK_MS } from './scenario.js';
import type { RunningServer } from './server-types.js';
import { loadUws, type UwsSocket } from './uws-binary.js';

interface Seat {
  readonly socket: UwsSocket;
  readonly car: Car;
  input: CarInput | undefined;
}

class BareRoom {
  readonly seats: Seat[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #meter: LoadMeter;
  #tick = 0;

  constructor(meter: LoadMeter) {
    this.#meter = meter;
    const clock = new RoomTickClock(meter, TICK_MS);
    this.#timer = setInterval(() => clock.run(() => this.#step()), TICK_MS);
  }

  seat(socket: UwsSocket): Seat {
    const seat: Seat = { socket, car: startCar(this.seats.length), input: undefined };
    this.seats.push(seat);
    return seat;
  }

  input(seat: Seat, data: ArrayBuffer): void {
    this.#meter.inputs++;
    // uWebSockets.js lends the message's memory for the call only: unpacked here, never kept.
    const message: unknown = unpack(new Uint8Array(data));
    if (Array.isArray(message)) {
      seat.input = { seq: Number(message[0]), throttle: Number(message[1]), steer: Number(message[2]) };
    }
  }

  leave(seat: Seat): void {
    this.seats.splice(this.seats.indexOf(seat), 1);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #step(): void {
    const values: number[] = [++this.#tick];
    for (const seat of this.seats) {
      stepCar(seat.car, seat.input);
      const { x, y, angle, vx, vy } = seat.car;
      values.push(Math.round(x * 100), Math.round(y * 100), Math.round(angle * 1000));
      values.push(Math.round(vx * 100), Math.round(vy * 100));
    }
    const bytes = pack(values);
    for (const seat of this.seats) seat.socket.send(bytes, true);
    this.#meter.snapshots += this.seats.length;
  }
}

export async function startBareUwsServer(meter: LoadMeter): Promise<RunningServer> {
  const uws = loadUws();
  const rooms: BareRoom[] = [];
  const seats = new Map<UwsSocket, { room: BareRoom; seat: Seat }>();
  let connected = 0;
  const app = uws.App().ws('/*', {
    compression: 0,
    maxPayloadLength: 64 * 1024,
    // The bots send inputs 30 times a second; no idle cut-off is wanted.
    idleTimeout: 0,
    open: (socket) => {
      const index = Math.floor(connected++ / PLAYERS_PER_ROOM);
      let room = rooms[index];
      if (room === undefined) {
        room = new BareRoom(meter);
        rooms[index] = room;
      }
      seats.set(socket, { room, seat: room.seat(socket) });
    },
    message: (socket, data) => {
      const seated = seats.get(socket);
      seated?.room.input(seated.seat, data);
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
