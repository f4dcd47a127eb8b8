import { AdaptiveDelay, type AdaptiveDelayOptions, InterpolationBuffer } from 'vehikill-net/netcode';
import { cos, ROCKET_SPEED, type RocketState, sin, type VehicleState } from '../../sim/index.js';
import { shortTurn } from '../protocol/angles.js';

/** A remote entity as drawn this frame. */
export interface Drawn<S> {
  readonly entity: number;
  readonly state: S;
  /** Render time was past its newest sample: this is a guess from its velocity. */
  readonly extrapolated: boolean;
}

/**
 * Everything of the world a player draws in the past: other players' vehicles and all rockets, each from
 * its own interpolation buffer, at the render time one AdaptiveDelay picks from how snapshots arrive
 * (interval, jitter, loss). Past the newest sample an entity is extrapolated by its velocity for at most
 * 250 ms, then held.
 */
export class RemoteView {
  readonly delay: AdaptiveDelay;
  readonly #vehicles = new Map<number, InterpolationBuffer<VehicleState>>();
  readonly #rockets = new Map<number, InterpolationBuffer<RocketState>>();
  #frames = 0;
  #extrapolatedFrames = 0;
  #emptyFrames = 0;

  constructor(options: AdaptiveDelayOptions = {}) {
    this.delay = new AdaptiveDelay(options);
  }

  /** A snapshot of server time `serverTimeMs` arrived at local `nowMs`. */
  onSnapshot(serverTimeMs: number, nowMs: number): void {
    this.delay.onSnapshot(serverTimeMs, nowMs);
  }

  pushVehicle(entity: number, serverTimeMs: number, state: VehicleState): void {
    let buffer = this.#vehicles.get(entity);
    if (!buffer) {
      buffer = new InterpolationBuffer<VehicleState>({ lerp: lerpVehicle, extrapolate: extrapolateVehicle });
      this.#vehicles.set(entity, buffer);
    }
    buffer.push(serverTimeMs, state);
  }

  pushRocket(entity: number, serverTimeMs: number, state: RocketState): void {
    let buffer = this.#rockets.get(entity);
    if (!buffer) {
      buffer = new InterpolationBuffer<RocketState>({ lerp: lerpRocket, extrapolate: extrapolateRocket });
      this.#rockets.set(entity, buffer);
    }
    buffer.push(serverTimeMs, state);
  }

  forget(entity: number): void {
    this.#vehicles.delete(entity);
    this.#rockets.delete(entity);
  }

  /** Server time to draw at, or undefined before two snapshots. */
  renderTime(nowMs: number): number | undefined {
    return this.delay.renderTime(nowMs);
  }

  /** The vehicles (but `skip`, the player's own) and rockets at render time. */
  sample(
    nowMs: number,
    skip: number | undefined,
  ): { vehicles: Drawn<VehicleState>[]; rockets: Drawn<RocketState>[]; renderTime: number | undefined } {
    const renderTime = this.delay.renderTime(nowMs);
    const vehicles: Drawn<VehicleState>[] = [];
    const rockets: Drawn<RocketState>[] = [];
    if (renderTime === undefined) return { vehicles, rockets, renderTime };
    let extrapolated = false;
    let empty = false;
    for (const [entity, buffer] of this.#vehicles) {
      if (entity === skip) continue;
      const sample = buffer.sample(renderTime);
      if (!sample) {
        empty = true;
        continue;
      }
      extrapolated ||= sample.extrapolated;
      vehicles.push({ entity, state: sample.state, extrapolated: sample.extrapolated });
    }
    for (const [entity, buffer] of this.#rockets) {
      const sample = buffer.sample(renderTime);
      if (sample) rockets.push({ entity, state: sample.state, extrapolated: sample.extrapolated });
    }
    this.#frames++;
    if (extrapolated) this.#extrapolatedFrames++;
    if (empty) this.#emptyFrames++;
    return { vehicles, rockets, renderTime };
  }

  /** Frames drawn, and those with a remote vehicle extrapolated or with nothing to draw for one. */
  get frameStats(): { frames: number; extrapolated: number; empty: number } {
    return { frames: this.#frames, extrapolated: this.#extrapolatedFrames, empty: this.#emptyFrames };
  }
}

function lerpVehicle(a: VehicleState, b: VehicleState, t: number): VehicleState {
  return {
    ...b,
    x: a.x + (b.x - a.x) * t,
    y: a.y + (b.y - a.y) * t,
    angle: a.angle + shortTurn(a.angle, b.angle) * t,
    vx: a.vx + (b.vx - a.vx) * t,
    vy: a.vy + (b.vy - a.vy) * t,
  };
}

function extrapolateVehicle(state: VehicleState, dtMs: number): VehicleState {
  const dt = dtMs / 1000;
  return {
    ...state,
    x: state.x + state.vx * dt,
    y: state.y + state.vy * dt,
    angle: state.angle + state.spin * dt,
  };
}

function lerpRocket(a: RocketState, b: RocketState, t: number): RocketState {
  return { ...b, x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
}

function extrapolateRocket(state: RocketState, dtMs: number): RocketState {
  const distance = (ROCKET_SPEED * dtMs) / 1000;
  return { ...state, x: state.x + cos(state.angle) * distance, y: state.y + sin(state.angle) * distance };
}
