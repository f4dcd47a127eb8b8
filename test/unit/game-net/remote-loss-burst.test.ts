import { describe, expect, it } from 'vitest';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { findVehicle, NEUTRAL_INPUT } from '../../../game/sim/index.js';
import { arenaHarness } from './arena-harness.js';

/**
 * One player drives a steady circle (24 u/s, radius about 27, around the central pillar); another watches
 * it over a 40 ms link whose downlink loses everything for `burstMs`. Each frame the watcher draws the
 * car is compared with where the server had it at the frame's render time, and with the previous frame.
 */
function watchThroughLossBurst(burstMs: number) {
  const arena = arenaHarness();
  const watcher = arena.addPlayer();
  arena.run(1_000);
  const car = findVehicle(arena.authority.world, arena.vehicleId);
  if (!car) throw new Error('no car');
  Object.assign(car, { x: 147, y: 80, angle: Math.PI / 2, vx: 0, vy: 24, spin: 0 });
  arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1, steer: 0.5 };
  const truth = new Map<number, { x: number; y: number }>();
  arena.afterTick.push(() => {
    const vehicle = findVehicle(arena.authority.world, arena.vehicleId);
    if (vehicle) truth.set(arena.authority.world.tick, { x: vehicle.x, y: vehicle.y });
  });
  const frames: { error: number; jump: number }[] = [];
  let previous: { x: number; y: number } | undefined;
  let measuring = false;
  watcher.onFrame = (frame) => {
    const drawn = frame.vehicles.find((vehicle) => vehicle.vehicleId === arena.vehicleId);
    if (!measuring || !drawn || frame.renderTime === undefined) return;
    const at = frame.renderTime / TICK_MS;
    const a = truth.get(Math.floor(at));
    const b = truth.get(Math.floor(at) + 1);
    if (!a || !b) return;
    const t = at - Math.floor(at);
    const error = Math.hypot(
      drawn.state.x - (a.x + (b.x - a.x) * t),
      drawn.state.y - (a.y + (b.y - a.y) * t),
    );
    const jump = previous ? Math.hypot(drawn.state.x - previous.x, drawn.state.y - previous.y) : 0;
    previous = { x: drawn.state.x, y: drawn.state.y };
    frames.push({ error, jump });
  };
  arena.run(1_500);
  measuring = true;
  arena.run(1_000);
  const before = frames.length;
  watcher.serverEnd.setConditions({ delayMs: 20, lossRate: 1 });
  arena.run(burstMs);
  watcher.serverEnd.setConditions({ delayMs: 20 });
  arena.run(2_000);
  const worst = (from: number, to: number, key: 'error' | 'jump') =>
    Math.max(...frames.slice(from, to).map((frame) => frame[key]));
  const result = {
    calm: { error: worst(1, before, 'error'), jump: worst(1, before, 'jump') },
    burst: { error: worst(before, frames.length, 'error'), jump: worst(before, frames.length, 'jump') },
    /** Frames from the burst's start until the drawn car is back within 0.01 of the truth for good. */
    framesOff: frames.length - before - [...frames].reverse().findIndex((frame) => frame.error > 0.01),
  };
  console.log(
    `${burstMs} ms loss burst: worst error ${result.calm.error.toFixed(2)} -> ${result.burst.error.toFixed(2)} ` +
      `units, largest per-frame move ${result.calm.jump.toFixed(2)} -> ${result.burst.jump.toFixed(2)}, ` +
      `${result.framesOff} frames off`,
  );
  return result;
}

describe('a remote car drawn through a burst of lost snapshots', () => {
  it('moves on by its velocity through a short burst, without a visible step', () => {
    const { calm, burst } = watchThroughLossBurst(150);
    // Calm: drawn exactly where the server had it, 0.4 units a frame (24 u/s at 60 frames/s).
    expect(calm.error).toBeLessThan(0.01);
    expect(calm.jump).toBeLessThan(0.41);
    // Extrapolated along its velocity (a chord of its arc), then blended back over 100 ms.
    expect(burst.error).toBeLessThan(0.5);
    expect(burst.jump).toBeLessThan(0.45);
  });

  it('past 250 ms of extrapolation holds still, then converges within 100 ms, never snapping', () => {
    const { burst, framesOff } = watchThroughLossBurst(400);
    // 250 ms extrapolated, then held until data comes: it falls behind at 24 u/s (3.7 units).
    expect(burst.error).toBeLessThan(4.5);
    // Converging covers that in 100 ms: about three times its usual pace for six frames, not one step.
    expect(burst.jump).toBeLessThan(1.5);
    // Back on the truth for good about 100 ms after the snapshots return (burst 24 frames + delay + blend).
    expect(framesOff).toBeLessThan(40);
  });
});
