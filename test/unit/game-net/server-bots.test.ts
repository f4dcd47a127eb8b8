import { describe, expect, it } from 'vitest';
import { MAX_BOTS } from '../../../game/protocol/index.js';
import { ServerBots } from '../../../game/server/server-bots.js';

describe('ServerBots names', () => {
  it('every bot of a room has its own name, however many there are', () => {
    const bots = new ServerBots();
    const names = Array.from({ length: MAX_BOTS }, (_, index) => bots.add(index + 1));
    expect(new Set(names).size).toBe(MAX_BOTS);
    expect(names.slice(0, 3)).toEqual(['Bot Axle', 'Bot Brakes', 'Bot Clutch']);
    // Past the list: the names again, numbered.
    expect(names[8]).toBe('Bot Axle 2');
  });

  it('vehicle ids 8 apart (freed ids, humans in between) still get two names', () => {
    const bots = new ServerBots();
    expect(bots.add(1)).not.toBe(bots.add(9));
  });

  it("a removed bot's name is free again", () => {
    const bots = new ServerBots();
    const first = bots.add(1);
    bots.add(2);
    bots.remove(1);
    expect(bots.add(3)).toBe(first);
  });
});
