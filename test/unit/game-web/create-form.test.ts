import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_BOTS } from '../../../game/protocol/index.js';
import { botFillHint, createOptionsFrom } from '../../../game/web/lobby/create-form.js';

describe('create form', () => {
  // The server reads `bots` as the players a room is topped up to (humans and bots), not a count of bots.
  it('sends the number it shows as the players the room is filled up to', () => {
    expect(createOptionsFrom('4', '5')).toEqual({ bots: 4, matchMinutes: 5 });
    expect(createOptionsFrom('0', '')).toEqual({ bots: 0 });
    expect(createOptionsFrom('99', '0.1')).toEqual({ bots: MAX_BOTS });
    expect(createOptionsFrom('x', '61')).toEqual({ bots: 0 });
  });

  it('says what the number does: players with bots while alone, none at 0 or 1', () => {
    expect(botFillHint('4')).toBe('3 bots while you play alone; one leaves for each player who joins.');
    expect(botFillHint('2')).toBe('1 bot while you play alone; it leaves when a player joins.');
    expect(botFillHint('1')).toBe('No bots: you are that player.');
    expect(botFillHint('0')).toBe('No bots.');
  });

  it('the page labels the field as the players to fill up to, not a count of bots', () => {
    const page = readFileSync(new URL('../../../game/web/index.html', import.meta.url), 'utf8');
    const label = /<label for="bots">([^<]*)<\/label>/.exec(page)?.[1];
    expect(label).toBe('Fill with bots up to');
    expect(page).toMatch(/<input id="bots"[^>]*\/>\s*<span>players<\/span>/);
  });
});
