import { afterAll, describe, expect, it } from 'vitest';
import { findPlayer, findVehicle, type MatchState, NEUTRAL_INPUT, TICK_RATE } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * Gun shots are judged in the world the shooter saw, up to a second in the past (lag compensation): a
 * car that left is still there. Its vehicle id must not go to a player who joins meanwhile, or the shots
 * at the leaver's car hit the newcomer, wherever it is.
 */
describe("a leaver's car in the lag-compensation history of a Vehikill room", () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('takes no hits for the newcomer seated after it left', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    let firing = false;
    // At the gun's rate (one shot every 6 ticks): never refused, never counted against the shooter.
    const shooter = players.player('shooter', {
      sampleInput: (view) => ({ ...NEUTRAL_INPUT, fire: firing && view.tick % 6 === 0 }),
    });
    const leaver = players.player('leaver');
    const newcomer = players.player('newcomer');
    await shooter.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    const code = shooter.room?.code as string;
    await leaver.joinByCode(code);
    players.drive([shooter, leaver, newcomer]);
    await eventually(() => shooter.me !== undefined && leaver.me !== undefined, 'both seated', 10_000);
    const shooterId = shooter.me?.vehicleId as number;
    const leaverId = leaver.me?.vehicleId as number;
    const world = room.authority.world;
    const match = room.match as MatchState;

    // The leaver 20 units in front of the shooter's gun, on an open lane, both held still (the leaver
    // until it leaves: its id may be another car's then).
    let holdLeaver = true;
    const hold = setInterval(() => {
      const gun = findVehicle(world, shooterId);
      if (gun) Object.assign(gun, { x: 150, y: 70, angle: 0, vx: 0, vy: 0, spin: 0 });
      const target = holdLeaver ? findVehicle(world, leaverId) : undefined;
      if (target) Object.assign(target, { x: 170, y: 70, angle: 0, vx: 0, vy: 0, spin: 0 });
    }, 1);
    players.onClose(() => clearInterval(hold));
    firing = true;
    await eventually(
      () => (findPlayer(match, leaverId)?.health ?? 100) < 100,
      'the shooter to hit the leaver',
      10_000,
    );

    holdLeaver = false;
    await leaver.leave();
    const leftAtTick = world.tick;
    await newcomer.joinByCode(code);
    // Seated by this tick at the latest: within the history's second of the leave, the leaver's id was
    // still taken. (A machine slow enough to seat the newcomer later may rightly give it the freed id.)
    const seatedWithinHistory = world.tick - leftAtTick < TICK_RATE;
    const newcomerId = room.roster.find((entry) => entry.name === 'newcomer')?.vehicleId as number;
    // Half a second of shots, most of them drawn while the leaver was still in the shooter's view.
    await new Promise((resolve) => setTimeout(resolve, 500));
    firing = false;
    // Far from the gun's line all along.
    const at = findVehicle(world, newcomerId);
    expect(Math.abs((at?.y ?? 70) - 70)).toBeGreaterThan(10);
    expect(findPlayer(match, newcomerId)?.health).toBe(100);
    if (seatedWithinHistory) expect(newcomerId).not.toBe(leaverId);
  });
});
