import { describe, expect, it } from 'vitest';
import { brainInput } from '../../../game/bots/bot-player.js';
import { BotBrain } from '../../../game/bots/brain.js';
import { pickTarget } from '../../../game/bots/target.js';
import { IDLE_AFTER_TICKS, IdleCars } from '../../../game/server/idle-cars.js';
import { ServerBots } from '../../../game/server/server-bots.js';
import type { PlayerSyncState, VehicleState } from '../../../game/sim/index.js';
import {
  addPlayer,
  createMatch,
  createWorld,
  findVehicle,
  NEUTRAL_INPUT,
  type VehicleInput,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA, worldWith } from '../game-sim/support.js';

/*
 * Bots go after players who play, never after parked cars: a player who stepped away, hid the tab or
 * lost the connection was a free kill, again and again, for every bot in the room.
 */

describe("a bot's target", () => {
  const own = { x: 0, y: 0 };

  it('is the nearest car in play; a parked one nearer is passed over', () => {
    const near = { x: 5, y: 0, idle: true };
    const far = { x: 30, y: 0, idle: false };
    const unknown = { x: 0, y: 40 };
    expect(pickTarget(own, [near, far, unknown])).toEqual({ target: far, distance: 30 });
    expect(pickTarget(own, [near, unknown])).toEqual({ target: unknown, distance: 40 });
  });

  it('is none when every other car is parked', () => {
    expect(pickTarget(own, [{ x: 5, y: 0, idle: true }])).toBeUndefined();
    expect(pickTarget(own, [])).toBeUndefined();
  });
});

describe('parked cars', () => {
  const braking = input({ brake: true });

  it('are those whose controls were let go for 5 s: braking alone is no play', () => {
    const cars = new IdleCars();
    cars.note(0, new Map([[2, input({ throttle: 1 })]]));
    for (let tick = 1; tick < IDLE_AFTER_TICKS; tick++) cars.note(tick, new Map([[2, braking]]));
    expect(cars.idle(2)).toBe(false);
    cars.note(IDLE_AFTER_TICKS, new Map([[2, NEUTRAL_INPUT]]));
    expect(cars.idle(2)).toBe(true);
    // Back at the controls: in play again at once.
    cars.note(IDLE_AFTER_TICKS + 1, new Map([[2, input({ steer: -1 })]]));
    expect(cars.idle(2)).toBe(false);
  });

  it('start in play when first seen, and are never a car that is not networked (a bot)', () => {
    const cars = new IdleCars();
    cars.note(1_000, new Map([[2, NEUTRAL_INPUT]]));
    expect(cars.idle(2)).toBe(false);
    cars.note(1_000 + IDLE_AFTER_TICKS, new Map([[2, NEUTRAL_INPUT]]));
    expect(cars.idle(2)).toBe(true);
    expect(cars.idle(7)).toBe(false);
    // Gone from the inputs (the player left): forgotten, a newcomer with its id starts in play.
    cars.note(1_001 + IDLE_AFTER_TICKS, new Map());
    cars.note(1_002 + IDLE_AFTER_TICKS, new Map([[2, NEUTRAL_INPUT]]));
    expect(cars.idle(2)).toBe(false);
  });
});

describe("a room's bot facing a player's car", () => {
  /** Ticks a bot (id 1) fired at a car (id 2) straight ahead, 20 units off, given that car's controls. */
  function firedAt(controls: VehicleInput, ticks: number): number[] {
    const world = createWorld(OPEN_ARENA);
    const match = createMatch({ warmupSeconds: 0, pickups: [] });
    addPlayer(match, world, 1, 0);
    addPlayer(match, world, 2, 0);
    Object.assign(findVehicle(world, 1) ?? {}, { x: 100, y: 125, angle: 0 });
    Object.assign(findVehicle(world, 2) ?? {}, { x: 120, y: 125, angle: 0 });
    const bots = new ServerBots(1);
    bots.add(1);
    const cars = new IdleCars();
    const fired: number[] = [];
    for (let tick = 0; tick < ticks; tick++) {
      world.tick = tick;
      cars.note(tick, new Map([[2, controls]]));
      if (bots.inputs(world, match, (id) => cars.idle(id)).get(1)?.fire) fired.push(tick);
    }
    return fired;
  }

  it('shoots while the player plays, and stops once the car is parked', () => {
    const ticks = IDLE_AFTER_TICKS + 120;
    expect(firedAt(input({ steer: 1 }), ticks).filter((tick) => tick >= IDLE_AFTER_TICKS)).not.toEqual([]);
    const atParked = firedAt(NEUTRAL_INPUT, ticks);
    expect(atParked.filter((tick) => tick < IDLE_AFTER_TICKS)).not.toEqual([]);
    expect(atParked.filter((tick) => tick >= IDLE_AFTER_TICKS)).toEqual([]);
  });
});

describe("a headless bot (npm run bots) facing a player's car", () => {
  /** Ticks the bot fired at a car straight ahead, 20 units off, as its session draws it, parked or not. */
  function firedAt(parked: boolean): number[] {
    const { vehicle: own } = worldWith(OPEN_ARENA, { x: 100, y: 125, angle: 0 });
    const car = { x: 120, y: 125, angle: 0, vx: 0, vy: 0, spin: 0, boost: 0, drifting: false, id: 2 };
    const me = { health: 100, gunAmmo: 60, rocketAmmo: 6, alive: true } as PlayerSyncState;
    const brain = new BotBrain(1);
    const fired: number[] = [];
    for (let tick = 0; tick < 300; tick++) {
      const input = brainInput(brain, {
        tick,
        playing: true,
        own,
        me,
        alive: true,
        others: [{ entity: 9, state: car satisfies VehicleState, extrapolated: false, vehicleId: 2 }],
        parked: (vehicleId) => parked && vehicleId === 2,
        pickups: [],
      });
      if (input.fire || input.altFire) fired.push(tick);
    }
    return fired;
  }

  // The session tells what the server synced (a player's `parked`); before, the bot never asked it.
  it('shoots while the player plays, never once the server says the car is parked', () => {
    expect(firedAt(false)).not.toEqual([]);
    expect(firedAt(true)).toEqual([]);
  });
});
