import { afterAll, describe, expect, it } from 'vitest';
import { NEUTRAL_INPUT, type VehicleInput } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * The room's verdict on parked cars (no control touched for 5 s) reaches every player with the scoreboard:
 * the headless bots of `npm run bots` go by it to leave those cars alone, as the room's own bots do.
 */
describe("a Vehikill player's parked car, on a real server", () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('is shown parked to the others once its controls were let go, and in play again when touched', async () => {
    await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const steering: VehicleInput = { ...NEUTRAL_INPUT, steer: 1 };
    const away = { input: NEUTRAL_INPUT };
    const watcher = players.player('watcher', { sampleInput: () => steering });
    const parker = players.player('parker', { sampleInput: () => away.input });
    await watcher.createPrivate({ bots: 0 });
    const roomId = watcher.room?.roomId;
    if (roomId === undefined) throw new Error('no room');
    await parker.join(roomId);
    players.drive([watcher, parker]);
    const lineOf = (name: string) => watcher.scoreboard().find((line) => line.name === name);
    await eventually(() => lineOf('parker')?.health !== undefined, 'both players synced', 10_000);
    expect(lineOf('parker')?.parked).toBe(false);

    // Parked after the room's 5 s (300 ticks) without a control: waited on the room's verdict itself.
    await eventually(() => lineOf('parker')?.parked === true, 'the car shown parked', 20_000);
    expect(lineOf('watcher')?.parked).toBe(false);
    expect(parker.scoreboard().find((line) => line.name === 'watcher')?.parked).toBe(false);

    away.input = { ...NEUTRAL_INPUT, throttle: 1 };
    await eventually(() => lineOf('parker')?.parked === false, 'the car in play again', 10_000);
  }, 60_000);
});
