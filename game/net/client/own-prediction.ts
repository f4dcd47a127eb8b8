import { type Correction, ErrorSmoother, Predictor } from 'vehikill-net/netcode';
import {
  cloneWorld,
  findVehicle,
  stepWorld,
  VEHICLE_RADIUS,
  type Vehicle,
  type VehicleInput,
  type World,
} from '../../sim/index.js';
import { shortTurn } from '../protocol/angles.js';

/** Predicted contacts are remembered this long behind the newest server state. */
const CONTACT_MEMORY_TICKS = 120;

/**
 * The player's own vehicle, predicted: each tick's input is simulated at once on a local copy of the
 * world in which only this vehicle is dynamic (everything else moves on by its last known velocity, so
 * it is extrapolated to the present); each snapshot restores the server's world and replays the inputs
 * the server has not consumed yet. What the replay changes is hidden by an ErrorSmoother: small errors
 * glide away over 100 ms, large ones (a respawn) snap.
 */
export class OwnPrediction {
  readonly vehicleId: number;
  readonly #predictor: Predictor<World, VehicleInput>;
  readonly #smoother: ErrorSmoother<Vehicle>;
  readonly #inputs = new Map<number, VehicleInput>();
  readonly #dynamic: ReadonlySet<number>;
  /** Ticks at which a prediction or replay had this vehicle touch another (recent ones only). */
  readonly #contactTicks = new Set<number>();
  /** The own vehicle after the tick before the newest, and after the newest: drawn between the two. */
  #previous: Vehicle | undefined;
  #current: Vehicle | undefined;

  constructor(vehicleId: number, world: World) {
    this.vehicleId = vehicleId;
    this.#dynamic = new Set([vehicleId]);
    this.#predictor = new Predictor<World, VehicleInput>({
      initial: world,
      step: (state, input, tick) => {
        state.tick = tick;
        this.#inputs.clear();
        this.#inputs.set(vehicleId, input);
        stepWorld(state, this.#inputs, { dynamic: this.#dynamic });
        if (touchesAnother(state, vehicleId)) this.#contactTicks.add(tick);
      },
      clone: cloneWorld,
      distance: (a, b) => vehicleDistance(findVehicle(a, vehicleId), findVehicle(b, vehicleId)),
    });
    this.#smoother = new ErrorSmoother<Vehicle>({
      difference: (seen, corrected) => [
        seen.x - corrected.x,
        seen.y - corrected.y,
        shortTurn(corrected.angle, seen.angle),
      ],
      apply: (state, offset) => ({
        ...state,
        x: state.x + (offset[0] ?? 0),
        y: state.y + (offset[1] ?? 0),
        angle: state.angle + (offset[2] ?? 0),
      }),
      // Position only: a heading error alone is drawn smoothed but never forces a snap.
      magnitude: (offset) => Math.sqrt((offset[0] ?? 0) ** 2 + (offset[1] ?? 0) ** 2),
    });
  }

  /** Simulates this player's input for `tick` at once. */
  predict(tick: number, input: VehicleInput): void {
    const world = this.#predictor.predict(tick, input);
    this.#previous = this.#current;
    this.#current = copyOf(findVehicle(world, this.vehicleId));
  }

  /**
   * The server's world after it consumed this player's inputs up to `serverTick`: replays the rest and
   * smooths what changed. Returns the correction (error 0 when the server agreed).
   */
  reconcile(serverTick: number, serverWorld: World, nowMs: number): Correction<World> {
    for (const tick of this.#contactTicks)
      if (tick < serverTick - CONTACT_MEMORY_TICKS) this.#contactTicks.delete(tick);
    const correction = this.#predictor.reconcile(serverTick, serverWorld);
    const seen = findVehicle(correction.previous, this.vehicleId);
    const corrected = findVehicle(this.#predictor.state, this.vehicleId);
    if (seen && corrected) {
      this.#smoother.update(nowMs);
      this.#smoother.onCorrection(seen, corrected);
    }
    this.#current = copyOf(corrected);
    return correction;
  }

  /**
   * Whether the prediction had this vehicle touching another vehicle at some tick in `from..to`. Such
   * contacts are guesses (the others are extrapolated), so corrections there are expected.
   */
  predictedContact(from: number, to: number): boolean {
    for (const tick of this.#contactTicks) if (tick >= from && tick <= to) return true;
    return false;
  }

  /** Lets the next `predict` take any tick, from the state as it is (inputs recorded so far are dropped). */
  restart(): void {
    this.#predictor.reset(this.#predictor.state);
  }

  /** The predicted world (read it now; it changes in place). */
  get world(): World {
    return this.#predictor.state;
  }

  get tick(): number | undefined {
    return this.#predictor.tick;
  }

  /** The own vehicle to draw: `alpha` of the way into the next tick, displaced by the smoothed error. */
  render(nowMs: number, alpha: number): Vehicle | undefined {
    const current = this.#current;
    if (!current) return undefined;
    const previous = this.#previous ?? current;
    const drawn: Vehicle = {
      ...current,
      x: previous.x + (current.x - previous.x) * alpha,
      y: previous.y + (current.y - previous.y) * alpha,
      angle: previous.angle + shortTurn(previous.angle, current.angle) * alpha,
    };
    this.#smoother.update(nowMs);
    return this.#smoother.render(drawn);
  }
}

/** Two vehicles this close touch (or just did): their positions depend on each other. */
const CONTACT_RANGE = 2 * VEHICLE_RADIUS + 0.25;

/** Whether the vehicle is within touching range of another one (contacts push without an event). */
export function touchesAnother(world: World, vehicleId: number): boolean {
  const own = findVehicle(world, vehicleId);
  if (!own) return false;
  for (const other of world.vehicles) {
    if (other.id === vehicleId) continue;
    const dx = other.x - own.x;
    const dy = other.y - own.y;
    if (dx * dx + dy * dy < CONTACT_RANGE * CONTACT_RANGE) return true;
  }
  return false;
}

function copyOf(vehicle: Vehicle | undefined): Vehicle | undefined {
  return vehicle ? { ...vehicle } : undefined;
}

function vehicleDistance(a: Vehicle | undefined, b: Vehicle | undefined): number {
  if (!a || !b) return a === b ? 0 : Number.POSITIVE_INFINITY;
  return Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);
}
