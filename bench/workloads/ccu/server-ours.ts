/**
 * vehikill-net under the CCU scenario: a `Room` with `RoomSync` (one car entity per player, snapshots at
 * 20 Hz on each member's link) ticking on its own 20 Hz timer (`Room.clock.setInterval`). Inputs arrive as room messages of the
 * volatile class over the WebSocket ('room-message'), or on the link's `phys` channel with the snapshot
 * ack riding on them ('link-phys': datagrams when the link is direct, TCP mode otherwise).
 */
import * as v from 'valibot';
import { GameServer, Room, type RoomClass, type RoomClient, RoomSync } from 'vehikill-net/server';
import { Channel } from 'vehikill-net/transport';
import { CarEntity } from './car-entity.js';
import { type LoadMeter, RoomTickClock } from './load-meter.js';
import {
  type Car,
  type CarInput,
  decodeInput,
  PLAYERS_PER_ROOM,
  startCar,
  stepCar,
  TICK_HZ,
  TICK_MS,
} from './scenario.js';
import type { RunningServer } from './server-types.js';

const inputMessage = v.tuple([v.number(), v.number(), v.number()]);

interface Seat {
  readonly id: number;
  readonly car: Car;
  input: CarInput | undefined;
}

function ccuRoomClass(meter: LoadMeter): RoomClass {
  return class OursCcuRoom extends Room {
    readonly #seats = new Map<RoomClient, Seat>();
    #sync!: RoomSync;
    #stopTicking: (() => void) | undefined;
    #tick = 0;
    #sentBefore = 0;
    #bodiesBefore = 0;

    override onCreate(): void {
      this.setMaxClients(PLAYERS_PER_ROOM);
      this.#sync = new RoomSync(this, { types: [CarEntity], rateHz: TICK_HZ });
      this.onMessage('input', inputMessage, (client, [seq, throttle, steer]) => {
        meter.inputs++;
        const seat = this.#seats.get(client);
        if (seat) seat.input = { seq, throttle, steer };
      });
      const clock = new RoomTickClock(meter, TICK_MS, 'phase');
      // The room's own interval, as an app on this library would tick: it keeps the 20 Hz asked for on a
      // loaded loop, where Node's setInterval drifts later with every late call.
      this.#stopTicking = this.clock.setInterval(() => clock.run(() => this.#step()), TICK_MS);
    }

    override onJoin(client: RoomClient): void {
      const car = startCar(this.#seats.size);
      this.#seats.set(client, { id: this.#sync.world.spawn(CarEntity, car), car, input: undefined });
    }

    override onLeave(client: RoomClient): void {
      const seat = this.#seats.get(client);
      if (seat) this.#sync.world.remove(seat.id);
      this.#seats.delete(client);
    }

    override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
      const app = this.#sync.receive(client, channel, bytes);
      if (app === undefined || channel !== Channel.phys) return;
      const input = decodeInput(app);
      if (input === undefined) return;
      meter.inputs++;
      const seat = this.#seats.get(client);
      if (seat) seat.input = input;
    }

    override onDispose(): void {
      this.#stopTicking?.();
    }

    /** One tick: apply the newest inputs, move the cars, send each member its snapshot. */
    #step(): void {
      for (const seat of this.#seats.values()) {
        stepCar(seat.car, seat.input);
        this.#sync.world.update(seat.id, CarEntity, seat.car);
      }
      this.#sync.flush(++this.#tick);
      const sent = this.#sync.stats().snapshotsSent;
      meter.snapshots += sent - this.#sentBefore;
      this.#sentBefore = sent;
      const bodies = this.#sync.sharedStats.bodies;
      meter.bodies += bodies - this.#bodiesBefore;
      this.#bodiesBefore = bodies;
    }
  };
}

/** 'ws': everything on the WebSocket (the server link disabled); 'link': the server link on loopback. */
export async function startOursServer(meter: LoadMeter, transport: 'ws' | 'link'): Promise<RunningServer> {
  const server = new GameServer({
    // Every bot connects from this machine: its handshakes get all the slots, as players of many addresses would.
    serverLink:
      transport === 'link' ? { bindAddress: '127.0.0.1', maxHandshakesPerAddress: 8 } : { enabled: false },
    maxConnections: 5_000,
    // Every bot connects from this machine: one address.
    maxConnectionsPerAddress: 5_000,
    connectBurst: 5_000,
    // And each bot asks for its guest token over HTTP from here.
    guestTokenBurst: 5_000,
    // Every bot runs on this machine, so all its rooms (up to 125, made at once) come from one address.
    roomCreateBurst: 1_000,
  }).define('ccu', ccuRoomClass(meter));
  const { wsUrl } = await server.listen(0);
  return { url: wsUrl, close: () => server.close({ drainMs: 0 }) };
}
