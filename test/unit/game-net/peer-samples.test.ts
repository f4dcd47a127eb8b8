import { describe, expect, it } from 'vitest';
import { PEER_CLAMP_UNITS, type PeerDisagreement, RemoteView } from '../../../game/net/client/remote-view.js';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { nearestInBoth, type VehicleState, vehicleReach } from '../../../game/sim/index.js';

const moving = (x: number): VehicleState => ({
  x,
  y: 50,
  angle: 0,
  vx: 30, // 30 units a second along +x
  vy: 0,
  spin: 0,
  boost: 0,
  drifting: false,
  id: 4,
});

/** A view with snapshots of entity 9 at server times 0..100 ms every 33 ms, drawing at `renderTime`. */
function viewWithSnapshots(reports: PeerDisagreement[] = []) {
  const view = new RemoteView({ onDisagreement: (report) => reports.push(report) });
  for (let time = 0; time <= 99; time += 33) {
    view.pushVehicle(9, time, moving(10 + 0.03 * time));
    view.onSnapshot(time, time + 1_000);
  }
  return view;
}

/** The furthest along +x the car of `viewWithSnapshots` can be at `time`, from its snapshot at `from`. */
function furthestX(from: number, time: number): number {
  const reach = vehicleReach(moving(10 + 0.03 * from), (time - from) / TICK_MS);
  return nearestInBoth(1_000, 50, reach.speed, reach.course).x;
}

describe('peer samples of remote vehicles', () => {
  it('are used only past the newest snapshot', () => {
    const view = viewWithSnapshots();
    expect(view.pushPeerSample(9, 66, moving(12))).toBe(false); // covered by a snapshot
    expect(view.pushPeerSample(9, 120, moving(10 + 0.03 * 120))).toBe(true);
    expect(view.pushPeerSample(9, 2_000, moving(70))).toBe(false); // too far ahead to be a real peer
  });

  it('are pulled back near where the car can be, and a far one is reported', () => {
    const reports: PeerDisagreement[] = [];
    const view = viewWithSnapshots(reports);
    // The server's newest (99 ms, x = 12.97, 30 u/s) gets two ticks to 120 ms, at most at 31.1 and 32.2
    // u/s (full throttle and boost): x = 14.03 at the furthest. The peer claims 40.
    expect(view.pushPeerSample(9, 120, moving(40))).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.distance).toBeCloseTo(40 - furthestX(99, 120), 5);
    expect(furthestX(99, 120)).toBeCloseTo(12.97 + (31.1 + 32.2) / 60, 1);
  });

  it('extend the drawing without extrapolation, clamped, until a snapshot covers them', () => {
    const view = viewWithSnapshots();
    view.pushPeerSample(9, 132, moving(40)); // forged: clamped to PEER_CLAMP_UNITS past the reach
    // Render time past the newest snapshot (99) and before the peer sample (132).
    const drawn = view.sampleAt(115, undefined);
    const vehicle = drawn.vehicles[0];
    expect(vehicle?.extrapolated).toBe(false);
    const extrapolatedAt115 = 12.97 + 0.03 * 16;
    const clampedAt132 = furthestX(99, 132) + PEER_CLAMP_UNITS;
    const expected = 12.97 + ((clampedAt132 - 12.97) * 16) / 33;
    expect(vehicle?.state.x).toBeCloseTo(expected, 5);
    expect(vehicle?.state.x).toBeLessThan(extrapolatedAt115 + PEER_CLAMP_UNITS);
    // A snapshot at 132 drops the peer sample: from then on the server's state is drawn.
    view.pushVehicle(9, 132, moving(13.96));
    expect(view.sampleAt(132, undefined).vehicles[0]?.state.x).toBeCloseTo(13.96, 5);
  });
});

describe('peer samples that are not numbers', () => {
  it('are refused, and never hold back the samples a snapshot has covered', () => {
    const view = viewWithSnapshots();
    // NaN passed every range check (comparisons with NaN are false) and was kept, and so was a NaN place.
    expect(view.pushPeerSample(9, Number.NaN, moving(13))).toBe(false);
    expect(view.pushPeerSample(9, Number.POSITIVE_INFINITY, moving(13))).toBe(false);
    expect(view.pushPeerSample(9, 110, moving(Number.NaN))).toBe(false);
    expect(view.pushPeerSample(9, 120, moving(10 + 0.03 * 120))).toBe(true);
    expect(view.pushPeerSample(9, 160, moving(10 + 0.03 * 160))).toBe(true);
    // A snapshot at 132 covers the sample at 120, which goes: drawing at 140 runs from the snapshot (x = 40)
    // to the sample at 160. (Behind a kept NaN, the one at 120 stayed and was drawn from instead.)
    view.pushVehicle(9, 132, moving(40));
    const x = view.sampleAt(140, undefined).vehicles[0]?.state.x as number;
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThan(20);
  });
});
