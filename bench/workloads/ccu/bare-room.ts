/**
 * A room of the CCU scenario's bare floor servers (server-bare-ws.ts, server-bare-uws.ts), whatever the
 * WebSocket stack: every tick it packs the room's 16 cars once with msgpack (msgpackr) as integers (cm,
 * mrad, cm/s: ~3 bytes a value, no deltas) and sends those bytes to each member; it unpacks each input
 * `[seq, throttle, steer]`.
 */
import { pack, unpack } from 'msgpackr';
import { type LoadMeter, RoomTickClock } from './load-meter.js';
import { type Car, type CarInput, startCar, stepCar, TICK_MS } from './scenario.js';

export interface BareSeat {
  readonly send: (bytes: Uint8Array) => void;
  readonly car: Car;
  input: CarInput | undefined;
}

export class BareRoom {
  readonly seats: BareSeat[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #meter: LoadMeter;
  #tick = 0;

  constructor(meter: LoadMeter) {
    this.#meter = meter;
    const clock = new RoomTickClock(meter, TICK_MS);
    this.#timer = setInterval(() => clock.run(() => this.#step()), TICK_MS);
  }

  /** Seats a member, whose snapshots go to `send`. */
  seat(send: (bytes: Uint8Array) => void): BareSeat {
    const seat: BareSeat = { send, car: startCar(this.seats.length), input: undefined };
    this.seats.push(seat);
    return seat;
  }

  /** An input message from the member in `seat`, read at once (a stack may lend its memory for the call). */
  input(seat: BareSeat, data: Uint8Array): void {
    this.#meter.inputs++;
    const message: unknown = unpack(data);
    if (Array.isArray(message)) {
      seat.input = { seq: Number(message[0]), throttle: Number(message[1]), steer: Number(message[2]) };
    }
  }

  leave(seat: BareSeat): void {
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
    for (const seat of this.seats) seat.send(bytes);
    this.#meter.snapshots += this.seats.length;
  }
}

/** The room the `connected`-th socket (counting from 0) is seated in: sockets fill rooms of 16 in order. */
export function roomFor(rooms: BareRoom[], connected: number, meter: LoadMeter, perRoom: number): BareRoom {
  const index = Math.floor(connected / perRoom);
  let room = rooms[index];
  if (room === undefined) {
    room = new BareRoom(meter);
    rooms[index] = room;
  }
  return room;
}
