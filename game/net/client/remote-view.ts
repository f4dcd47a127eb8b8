import { AdaptiveDelay, type AdaptiveDelayOptions, InterpolationBuffer } from 'vehikill-net/netcode';
import {
  cos,
  nearestInBoth,
  ROCKET_SPEED,
  type RocketState,
  sin,
  type VehicleState,
  vehicleReach,
} from '../../sim/index.js';
import { shortTurn } from '../protocol/angles.js';
import { TICK_MS } from '../protocol/timeline.js';

/** A peer's sample of its own vehicle that was far from anywhere the server's state could have driven to. */
export interface PeerDisagreement {
  readonly entity: number;
  readonly serverTimeMs: number;
  /** World units between the sample and the nearest place the car could have reached (vehicleReach). */
  readonly distance: number;
}

export interface RemoteViewOptions {
  delay?: AdaptiveDelayOptions;
  /** A peer sample disagreed with the server's state beyond PEER_DISAGREEMENT_UNITS (report it). */
  onDisagreement?(report: PeerDisagreement): void;
}

/** Peer samples are pulled back to within this distance of where the server's state could have driven to. */
export const PEER_CLAMP_UNITS = 2;
/** A peer sample further than this from where the server's state could have driven to is reported. */
export const PEER_DISAGREEMENT_UNITS = 6;
/** Peer samples more than this ahead of the newest snapshot are ignored (a peer cannot be that far ahead). */
const MAX_PEER_LEAD_MS = 500;
const MAX_PEER_SAMPLES = 16;

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
  /** Each vehicle's newest snapshot sample: what peer samples extend and are checked against. */
  readonly #newest = new Map<number, { time: number; state: VehicleState }>();
  /** Peer samples newer than the newest snapshot, oldest first, per vehicle. */
  readonly #peerSamples = new Map<number, { time: number; state: VehicleState }[]>();
  readonly #onDisagreement: ((report: PeerDisagreement) => void) | undefined;
  readonly #rockets = new Map<number, InterpolationBuffer<RocketState>>();
  #frames = 0;
  #extrapolatedFrames = 0;
  #emptyFrames = 0;

  constructor(options: RemoteViewOptions = {}) {
    this.delay = new AdaptiveDelay(options.delay);
    this.#onDisagreement = options.onDisagreement;
  }

  /** A snapshot of server time `serverTimeMs` (sequence number `seq`) arrived at local `nowMs`. */
  onSnapshot(serverTimeMs: number, nowMs: number, seq?: number): void {
    this.delay.onSnapshot(serverTimeMs, nowMs, seq);
  }

  pushVehicle(entity: number, serverTimeMs: number, state: VehicleState): void {
    let buffer = this.#vehicles.get(entity);
    if (!buffer) {
      buffer = new InterpolationBuffer<VehicleState>({ lerp: lerpVehicle, extrapolate: extrapolateVehicle });
      this.#vehicles.set(entity, buffer);
    }
    buffer.push(serverTimeMs, state);
    const newest = this.#newest.get(entity);
    if (newest === undefined || serverTimeMs >= newest.time) {
      this.#newest.set(entity, { time: serverTimeMs, state });
      // The snapshot now covers these: the server's word replaces the peer's.
      const peer = this.#peerSamples.get(entity);
      if (peer) {
        while (peer.length > 0 && (peer[0] as { time: number }).time <= serverTimeMs) peer.shift();
      }
    }
  }

  /**
   * A sample a peer sent of its own vehicle (its predicted state at `serverTimeMs` on the tick timeline).
   * Used only past the newest snapshot, to draw that vehicle from fresher data than an extrapolation,
   * and never far from where the car in the server's newest state could have driven meanwhile
   * (`vehicleReach`: its speed, acceleration, braking and grip limits): a sample more than
   * `PEER_CLAMP_UNITS` outside that is pulled back to that distance, and one more than
   * `PEER_DISAGREEMENT_UNITS` outside is reported (a forged or broken peer). Not a straight line from the
   * snapshot: an honest car that turns or brakes within the up to 500 ms since leaves it by metres.
   * Returns false when the sample was not used (also for a time or a state that is not finite numbers).
   */
  pushPeerSample(entity: number, serverTimeMs: number, state: VehicleState): boolean {
    // Every check below is a comparison, which NaN passes as false: a NaN time was kept and, once first
    // in the list, stopped snapshots from dropping the samples they cover (those were drawn instead).
    // The peer decoder yields safe-integer ticks and quantized states; this holds for any other caller.
    if (!Number.isFinite(serverTimeMs) || !finiteVehicle(state)) return false;
    const newest = this.#newest.get(entity);
    if (newest === undefined || serverTimeMs <= newest.time) return false;
    if (serverTimeMs - newest.time > MAX_PEER_LEAD_MS) return false;
    const reach = vehicleReach(newest.state, (serverTimeMs - newest.time) / TICK_MS);
    const nearest = nearestInBoth(state.x, state.y, reach.speed, reach.course);
    const dx = state.x - nearest.x;
    const dy = state.y - nearest.y;
    const distance = Math.sqrt(dx * dx + dy * dy);
    if (distance > PEER_DISAGREEMENT_UNITS) {
      this.#onDisagreement?.({ entity, serverTimeMs, distance });
    }
    const scale = distance > PEER_CLAMP_UNITS ? PEER_CLAMP_UNITS / distance : 1;
    const clamped = { ...state, x: nearest.x + dx * scale, y: nearest.y + dy * scale };
    let peer = this.#peerSamples.get(entity);
    if (!peer) {
      peer = [];
      this.#peerSamples.set(entity, peer);
    }
    const at = peer.findIndex((sample) => sample.time >= serverTimeMs);
    if (at >= 0 && (peer[at] as { time: number }).time === serverTimeMs) return false;
    peer.splice(at < 0 ? peer.length : at, 0, { time: serverTimeMs, state: clamped });
    if (peer.length > MAX_PEER_SAMPLES) peer.shift();
    return true;
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
    this.#newest.delete(entity);
    this.#peerSamples.delete(entity);
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
    if (renderTime === undefined) return { vehicles: [], rockets: [], renderTime };
    return { ...this.sampleAt(renderTime, skip), renderTime };
  }

  /** The vehicles (but `skip`) and rockets at server time `renderTime`; counts the frame. */
  sampleAt(
    renderTime: number,
    skip: number | undefined,
  ): { vehicles: Drawn<VehicleState>[]; rockets: Drawn<RocketState>[] } {
    const vehicles: Drawn<VehicleState>[] = [];
    const rockets: Drawn<RocketState>[] = [];
    let extrapolated = false;
    let empty = false;
    for (const [entity, buffer] of this.#vehicles) {
      if (entity === skip) continue;
      const extended = this.#fromPeer(entity, renderTime);
      if (extended) {
        vehicles.push({ entity, state: extended, extrapolated: false });
        continue;
      }
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
    return { vehicles, rockets };
  }

  /** Past the newest snapshot, between it and the first peer sample at or after render time. */
  #fromPeer(entity: number, renderTime: number): VehicleState | undefined {
    const newest = this.#newest.get(entity);
    const peer = this.#peerSamples.get(entity);
    if (!newest || !peer || renderTime <= newest.time) return undefined;
    const after = peer.find((sample) => sample.time >= renderTime);
    if (!after) return undefined;
    const before = [...peer].reverse().find((sample) => sample.time < renderTime) ?? newest;
    return lerpVehicle(before.state, after.state, (renderTime - before.time) / (after.time - before.time));
  }

  /** Frames drawn, and those with a remote vehicle extrapolated or with nothing to draw for one. */
  get frameStats(): { frames: number; extrapolated: number; empty: number } {
    return { frames: this.#frames, extrapolated: this.#extrapolatedFrames, empty: this.#emptyFrames };
  }
}

function finiteVehicle(state: VehicleState): boolean {
  return [state.x, state.y, state.angle, state.vx, state.vy, state.spin].every(Number.isFinite);
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
