import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RELOAD_HOLD_MS } from '../../game/client/game-session.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * How long the server holds a page's seat once the page goes away is the server's to say
 * (`reloadHoldSeconds`, RELOAD_HOLD_SECONDS on `npm start`): a room tells each player on joining, and the
 * page asks for that hold as it goes (`keepSessionForReload(session.reloadHoldMs)`). What a room says that
 * the client would refuse (an older server saying nothing, a value out of range) leaves the page's default,
 * so that a page going away never throws. The page's own use of it is in vehikill-connection.browser.test.ts.
 */
describe("a Vehikill room's reload hold", () => {
  let players: VehikillPlayers;
  afterEach(() => players.close());

  it('is told to each player on joining, and taken by keepSessionForReload', async () => {
    players = new VehikillPlayers();
    await players.start({ reloadHoldSeconds: 7 });
    const ada = players.player('Ada');
    expect(ada.reloadHoldMs).toBe(DEFAULT_RELOAD_HOLD_MS); // no room yet
    await ada.createPrivate();
    expect(ada.reloadHoldMs).toBe(7_000);
    const code = ada.room?.code as string;
    const bob = players.player('Bob');
    await bob.joinByCode(code);
    expect(bob.reloadHoldMs).toBe(7_000);
    expect(() => bob.client.keepSessionForReload(bob.reloadHoldMs)).not.toThrow();
  });

  it('is 10 s by default', async () => {
    players = new VehikillPlayers();
    await players.start({});
    const ada = players.player('Ada');
    await ada.createPrivate();
    expect(ada.reloadHoldMs).toBe(10_000);
  });

  it.each([
    ['an older server, which says nothing', undefined],
    ['a value past the protocol', 600_001],
    ['no whole number of ms', 2.5],
    ['no number', '7000'],
  ])('is the default when the room sends %s', async (_, said) => {
    players = new VehikillPlayers();
    const server = await players.start({ reloadHoldSeconds: 7 });
    const ada = players.player('Ada');
    await ada.createPrivate();
    const code = ada.room?.code as string;
    // The room's state as such a server would send it to the next player, in place of this one's.
    const room = server.rooms[0] as (typeof server.rooms)[number];
    const stateFor = room.stateFor.bind(room);
    room.stateFor = (client) => ({ ...stateFor(client), reloadHoldMs: said as number });
    const bob = players.player('Bob');
    await bob.joinByCode(code);
    expect(bob.reloadHoldMs).toBe(DEFAULT_RELOAD_HOLD_MS);
    expect(() => bob.client.keepSessionForReload(bob.reloadHoldMs)).not.toThrow();
  });
});
