import { afterAll, describe, expect, it } from 'vitest';
import { findPlayer, findVehicle, fireRocket, type MatchState } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A rocket's kill is credited by its owner's vehicle id. A player who leaves with a rocket in flight is
 * gone from the match, so the rocket scores for nobody, as long as the room does not hand that id to
 * the next player to join while the rocket still flies.
 */
describe("a leaver's rocket in a Vehikill room", () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('scores for nobody, even once a newcomer is seated', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const player = (name: string) => players.player(name);
    const leaver = player('leaver');
    const victim = player('victim');
    const newcomer = player('newcomer');
    await leaver.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    const code = leaver.room?.code as string;
    await victim.joinByCode(code);
    players.drive([leaver, victim]);
    await eventually(() => leaver.me !== undefined && victim.me !== undefined, 'both seated', 10_000);
    const shooterId = leaver.me?.vehicleId as number;
    const victimId = victim.me?.vehicleId as number;
    const world = room.authority.world;
    const match = room.match as MatchState;

    // The leaver's rocket, held 30 units short of the victim (on an open lane, between two boxes) until
    // the newcomer is seated; the victim one hit from death.
    const rocket = fireRocket(world, shooterId);
    let held = true;
    const hold = setInterval(() => {
      const target = findVehicle(world, victimId);
      if (target) Object.assign(target, { x: 180, y: 70, angle: 0, vx: 0, vy: 0, spin: 0 });
      if (held) Object.assign(rocket, { x: 150, y: 70, angle: 0, ttl: 150 });
    }, 1);
    players.onClose(() => clearInterval(hold));
    const victimState = findPlayer(match, victimId);
    if (victimState) victimState.health = 1;

    await leaver.leave();
    await newcomer.joinByCode(code);
    const newcomerId = room.roster.find((entry) => entry.name === 'newcomer')?.vehicleId;
    expect(world.rockets).toContain(rocket);
    // Not the id of a player whose rocket still flies.
    expect(newcomerId).not.toBe(shooterId);

    held = false;
    await eventually(
      () => match.killFeed.some((kill) => kill.victim === victimId),
      'the rocket to kill',
      10_000,
    );
    const kill = match.killFeed.find((entry) => entry.victim === victimId);
    expect(kill).toMatchObject({ killer: shooterId, weapon: 'rocket' });
    expect(findPlayer(match, shooterId)).toBeUndefined();
    expect(match.players.map((entry) => entry.kills)).toEqual(match.players.map(() => 0));
  });
});
