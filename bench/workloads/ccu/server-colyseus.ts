/**
 * Colyseus 0.16 under the CCU scenario: its `Room` with a @colyseus/schema 3 state (a MapSchema of one
 * car per player, the same five fields as float32), the cars moved by `setSimulationInterval` at 20 Hz and
 * patches sent by `patchRate` 50 ms (its own timer), inputs by `room.send('input', [seq, throttle, steer])`.
 * A tick's time is the simulation step's lateness and work plus the patch's work (see `LoadMeter.tick`).
 */
import { core, schema, wsTransport } from 'vehikill-bench-colyseus-016';
import { type LoadMeter, RoomTickClock } from './load-meter.js';
import { type Car, type CarInput, PLAYERS_PER_ROOM, startCar, stepCar, TICK_MS } from './scenario.js';
import type { RunningServer } from './server-types.js';

const CarSchema = schema.schema(
  { x: 'float32', y: 'float32', angle: 'float32', vx: 'float32', vy: 'float32' },
  'Car',
);
type CarSchema = InstanceType<typeof CarSchema>;
const CcuState = schema.schema({ entities: { map: CarSchema } }, 'CcuState');
type CcuState = InstanceType<typeof CcuState>;

interface Seat {
  readonly car: Car;
  readonly synced: CarSchema;
  input: CarInput | undefined;
}

function ccuRoomClass(meter: LoadMeter) {
  return class ColyseusCcuRoom extends core.Room<CcuState> {
    override maxClients = PLAYERS_PER_ROOM;
    readonly #seats = new Map<string, Seat>();
    readonly #simClock = new RoomTickClock(meter, TICK_MS);
    readonly #patchClock = new RoomTickClock(meter, TICK_MS);
    #stepLate = 0;
    #stepWork = 0;

    override onCreate(): void {
      this.state = new CcuState();
      this.setPatchRate(TICK_MS);
      this.onMessage('input', (client, message: unknown) => {
        meter.inputs++;
        if (!Array.isArray(message)) return;
        const seat = this.#seats.get(client.sessionId);
        if (seat)
          seat.input = { seq: Number(message[0]), throttle: Number(message[1]), steer: Number(message[2]) };
      });
      this.setSimulationInterval(() => this.#step(), TICK_MS);
    }

    override onJoin(client: core.Client): void {
      const car = startCar(this.#seats.size);
      const synced = new CarSchema();
      copyCar(car, synced);
      this.state.entities.set(client.sessionId, synced);
      this.#seats.set(client.sessionId, { car, synced, input: undefined });
    }

    override onLeave(client: core.Client): void {
      this.state.entities.delete(client.sessionId);
      this.#seats.delete(client.sessionId);
    }

    /** Colyseus calls this on its patch timer: timed here so the tick covers the encode and the sends. */
    override broadcastPatch(): boolean {
      const { startedAt, lateMs } = this.#patchClock.started();
      const changed = super.broadcastPatch();
      if (changed) meter.snapshots += this.clients.length;
      meter.tick(Math.max(lateMs, this.#stepLate), this.#stepWork + performance.now() - startedAt);
      this.#stepWork = 0;
      this.#stepLate = 0;
      return changed;
    }

    /** Apply the newest inputs, move the cars (the state's setters record the changes for the patch). */
    #step(): void {
      const { startedAt, lateMs } = this.#simClock.started();
      for (const seat of this.#seats.values()) {
        stepCar(seat.car, seat.input);
        copyCar(seat.car, seat.synced);
      }
      this.#stepLate = lateMs;
      this.#stepWork = performance.now() - startedAt;
    }
  };
}

function copyCar(car: Car, synced: CarSchema): void {
  synced.x = car.x;
  synced.y = car.y;
  synced.angle = car.angle;
  synced.vx = car.vx;
  synced.vy = car.vy;
}

export async function startColyseusServer(meter: LoadMeter): Promise<RunningServer> {
  const transport = new wsTransport.WebSocketTransport();
  const server = new core.Server({ transport, greet: false, gracefullyShutdown: false });
  server.define('ccu', ccuRoomClass(meter));
  await server.listen(0, '127.0.0.1');
  const address = transport.server?.address();
  if (!address || typeof address === 'string') throw new Error('colyseus: no TCP address');
  return {
    url: `ws://127.0.0.1:${address.port}`,
    close: () => server.gracefullyShutdown(false),
  };
}
