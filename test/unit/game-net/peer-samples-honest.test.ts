import { describe, expect, it } from 'vitest';
import { PEER_CLAMP_UNITS, type PeerDisagreement, RemoteView } from '../../../game/net/client/remote-view.js';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { MAX_SPEED, NEUTRAL_INPUT, type VehicleInput, type VehicleState } from '../../../game/sim/index.js';
import { driveVehicle, integrateVehicle, snapVehicle, type Vehicle } from '../../../game/sim/vehicle.js';

/** Peer samples are never judged more than this far past the newest snapshot (MAX_PEER_LEAD_MS). */
const MAX_LEAD_TICKS = 29;
const SNAPSHOT_TICK = 300;

const FULL_THROTTLE: VehicleInput = { ...NEUTRAL_INPUT, throttle: 1 };

/** One tick of the game's own physics, quantized as the wire carries it. */
function tick(car: Vehicle, input: VehicleInput): void {
  driveVehicle(car, input);
  integrateVehicle(car);
  snapVehicle(car);
}

function stateOf(car: Vehicle): VehicleState {
  return { ...car };
}

/**
 * A car at top speed along +x (full throttle for two seconds; boosted for the last `boostTicks`), then
 * driven by `then` for MAX_LEAD_TICKS ticks: the server's snapshot at SNAPSHOT_TICK, and the peer's
 * own honest samples after it.
 */
function drive(then: VehicleInput, boostTicks = 0): { snapshot: VehicleState; samples: VehicleState[] } {
  const car: Vehicle = { id: 4, x: 0, y: 50, angle: 0, vx: 0, vy: 0, spin: 0, boost: 1000, drifting: false };
  for (let t = 0; t < 120; t++)
    tick(car, t >= 120 - boostTicks ? { ...FULL_THROTTLE, boost: true } : FULL_THROTTLE);
  const snapshot = stateOf(car);
  const samples: VehicleState[] = [];
  for (let t = 0; t < MAX_LEAD_TICKS; t++) {
    tick(car, then);
    samples.push(stateOf(car));
  }
  return { snapshot, samples };
}

/** Pushes each sample to a fresh view holding only the snapshot; returns the reports and the largest snap. */
function judge(
  snapshot: VehicleState,
  samples: VehicleState[],
): { reports: PeerDisagreement[]; snap: number } {
  const reports: PeerDisagreement[] = [];
  let snap = 0;
  samples.forEach((sample, index) => {
    const view = new RemoteView({ onDisagreement: (report) => reports.push(report) });
    view.pushVehicle(9, SNAPSHOT_TICK * TICK_MS, snapshot);
    const time = (SNAPSHOT_TICK + index + 1) * TICK_MS;
    expect(view.pushPeerSample(9, time, sample)).toBe(true);
    const drawn = view.sampleAt(time, undefined).vehicles[0]?.state as VehicleState;
    snap = Math.max(snap, Math.hypot(drawn.x - sample.x, drawn.y - sample.y));
  });
  return { reports, snap };
}

describe('peer samples of an honest car', () => {
  it.each([
    ['turning at full lock', { ...FULL_THROTTLE, steer: 1 }, 0],
    ['turning at full lock off a boost', { ...FULL_THROTTLE, steer: -1, boost: true }, 60],
    ['braking hard', { ...NEUTRAL_INPUT, throttle: -1, brake: true }, 60],
    ['handbrake turning', { ...NEUTRAL_INPUT, brake: true, steer: 1 }, 60],
  ] as const)('%s within half a second of the snapshot are neither reported nor moved', (_, input, boost) => {
    const { snapshot, samples } = drive(input, boost);
    const { reports, snap } = judge(snapshot, samples);
    expect(reports).toEqual([]);
    expect(snap).toBeLessThan(1e-9);
  });
});

describe('peer samples beyond where the car can be', () => {
  it('a teleport is reported and drawn near the car', () => {
    const { snapshot, samples } = drive({ ...FULL_THROTTLE, steer: 1 });
    const honest = samples[5] as VehicleState;
    const teleported = { ...honest, x: honest.x + 15, y: honest.y - 10 };
    const { reports, snap } = judge(snapshot, [...samples.slice(0, 5), teleported]);
    expect(reports).toHaveLength(1);
    expect(snap).toBeGreaterThan(15);
  });

  it('a speed hack, twice top speed straight ahead, is reported within a few samples', () => {
    const { snapshot } = drive(FULL_THROTTLE);
    const hacked = Array.from({ length: MAX_LEAD_TICKS }, (_, index) => ({
      ...snapshot,
      vx: 2 * MAX_SPEED,
      x: snapshot.x + (2 * MAX_SPEED * (index + 1)) / 60,
    }));
    const { reports } = judge(snapshot, hacked);
    expect(reports.length).toBeGreaterThan(MAX_LEAD_TICKS - 15);
    // Drawn no further than PEER_CLAMP_UNITS past the reachable envelope
    const view = new RemoteView();
    view.pushVehicle(9, SNAPSHOT_TICK * TICK_MS, snapshot);
    const time = (SNAPSHOT_TICK + MAX_LEAD_TICKS) * TICK_MS;
    view.pushPeerSample(9, time, hacked[MAX_LEAD_TICKS - 1] as VehicleState);
    const drawn = view.sampleAt(time, undefined).vehicles[0]?.state as VehicleState;
    const reach = (MAX_SPEED * MAX_LEAD_TICKS) / 60;
    expect(drawn.x - snapshot.x).toBeLessThanOrEqual(reach + PEER_CLAMP_UNITS);
  });
});
