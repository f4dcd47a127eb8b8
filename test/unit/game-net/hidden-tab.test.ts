import { describe, expect, it } from 'vitest';
import { findVehicle, NEUTRAL_INPUT } from '../../../game/sim/index.js';
import { arenaHarness } from './arena-harness.js';

const DRIVING = { ...NEUTRAL_INPUT, throttle: 1 };

/** A harness whose player drives at full throttle along an open lane (between two boxes, facing +x). */
function drivingArena() {
  const arena = arenaHarness();
  arena.controls.input = DRIVING;
  arena.run(2_000);
  const car = () => {
    const vehicle = findVehicle(arena.authority.world, arena.vehicleId);
    if (!vehicle) throw new Error('no car');
    return vehicle;
  };
  const speed = () => Math.hypot(car().vx, car().vy);
  // On the lane at top speed; the next snapshot puts the player's prediction there too.
  Object.assign(car(), { x: 120, y: 70, angle: 0, vx: 24, vy: 0, spin: 0 });
  arena.run(500);
  return { arena, car, speed };
}

describe("the server's car of a player whose page is hidden", () => {
  it('coasts to a stop instead of driving on with the last input', () => {
    const { arena, car, speed } = drivingArena();
    const before = speed();
    expect(before).toBeGreaterThan(20);
    const from = car().x;
    // A hidden page: no animation frames, so no inputs (and, here, no device report).
    arena.setHidden(true);
    arena.run(1_000);
    const after1s = speed();
    arena.run(1_000);
    const after2s = speed();
    const travelled = car().x - from;
    console.log(
      `hidden page: speed ${before.toFixed(1)} -> ${after1s.toFixed(1)} after 1 s, ${after2s.toFixed(1)} ` +
        `after 2 s; ${travelled.toFixed(1)} units travelled`,
    );
    // Repeating the last input for good kept it at ~24 u/s (48 units in 2 s). A quarter second of
    // repetition, then coasting: under 10 u/s after a second, stopped after two.
    expect(after1s).toBeLessThan(10);
    expect(after2s).toBeLessThan(0.5);
    expect(travelled).toBeLessThan(25);
  });

  it('still drives on with the last input through a short gap in its inputs (lost packets)', () => {
    const { arena, speed } = drivingArena();
    const before = speed();
    const missed = arena.authority.inputsOf(arena.member)?.missed ?? 0;
    // 150 ms of lost uplink: longer than the 8 inputs each packet repeats can bridge.
    arena.playerEnd.setConditions({ delayMs: 20, lossRate: 1 });
    arena.run(150);
    arena.playerEnd.setConditions({ delayMs: 20 });
    arena.run(100);
    expect((arena.authority.inputsOf(arena.member)?.missed ?? 0) - missed).toBeGreaterThan(0);
    // Never slowed down: the missing ticks were simulated with full throttle.
    expect(speed()).toBeGreaterThanOrEqual(before - 0.01);
  });
});
