import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * GameSession.close() lets go of the room's handlers at once, but its client stays in the room while it
 * writes what the rate held back (up to `flushMs`), and the room goes on sending (the roster as other
 * players leave, the player's own chat coming back). The client takes what no handler takes then without
 * the console's "no handler" word, which came at every `npm run bots` shutdown and on a page that
 * reconnects under a new name.
 */
describe('a GameSession closing while its client writes what it held back', () => {
  const players = new VehikillPlayers();
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => players.close());

  it('takes what the room sends meanwhile without warning that it has no handler', async () => {
    await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const ada = players.player('ada');
    await ada.client.connect();
    await ada.createPrivate({ bots: 0 });
    const warn = vi.spyOn(console, 'warn');
    // 600 lines: 216 go at once, the rest at 108 a second, for over 3 s. The room takes the first (its chat
    // budget refuses the rest, quietly) and sends it back to her while she writes the rest.
    for (let line = 0; line < 600; line++) ada.room?.send('chat', { text: `line ${line}` });
    ada.close({ flushMs: 20_000 });
    const closed = ada.client.close({ flushMs: 20_000 }); // the same close: what it resolves with
    expect(ada.client.state).toBe('open'); // still writing
    expect(await closed).toBe(0);
    const told = warn.mock.calls.map(([line]) => String(line));
    expect(told.filter((line) => line.includes('no onMessage handler'))).toEqual([]);
  });
});
