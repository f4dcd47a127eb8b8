/**
 * The floor of the CCU scenario: a bare `ws` server with the same rooms of 16 and the same car motion,
 * no library. Every tick it packs the room's 16 cars once with msgpack (msgpackr) as integers (cm, mrad,
 * cm/s: ~3 bytes a value, no deltas) and sends those bytes to each member; it unpacks each input
 * `[seq, throttle, steer]`. Sockets are seated in the order they connect: 16 per room.
 */
import { pack, unpack } from 'msgpackr';
import { type WebSocket, WebSocketServer } from 'ws';
import { type LoadMeter, RoomTickClock } from './load-meter.js';
import { type Car, type CarInput, PLAYERS_PER_ROOM, startCar, stepCar, TICK_MS } from './scenario.js';
import type { RunningServer } from './server-types.js';

interface Seat {
  readonly socket: WebSocket;
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

  seat(socket: WebSocket): void {
    const seat: Seat = { socket, car: startCar(this.seats.length), input: undefined };
    this.seats.push(seat);
    socket.on('message', (data: Buffer) => {
      this.#meter.inputs++;
      const message: unknown = unpack(data);
      if (Array.isArray(message)) {
        seat.input = { seq: Number(message[0]), throttle: Number(message[1]), steer: Number(message[2]) };
      }
    });
    socket.on('close', () => this.seats.splice(this.seats.indexOf(seat), 1));
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
    for (const seat of this.seats) seat.socket.send(bytes);
    this.#meter.snapshots += this.seats.length;
  }
}

export async function startBareWsServer(meter: LoadMeter): Promise<RunningServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const rooms: BareRoom[] = [];
  let connected = 0;
  wss.on('connection', (socket) => {
    const index = Math.floor(connected++ / PLAYERS_PER_ROOM);
    let room = rooms[index];
    if (room === undefined) {
      room = new BareRoom(meter);
      rooms[index] = room;
    }
    room.seat(socket);
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
