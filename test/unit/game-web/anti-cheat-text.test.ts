import { describe, expect, it } from 'vitest';
import { antiCheatWarningText } from '../../../game/web/overlay/anti-cheat-text.js';

// The server kicks when a kind's count in its window goes past `limit` (AntiCheat.record: count > limit).
describe('antiCheatWarningText', () => {
  it('below the limit, says how many more the server takes before removing the player', () => {
    expect(antiCheatWarningText({ kind: 'shot-claim', count: 3, limit: 10 })).toBe(
      'The server refused what this client sent (shot-claim: 3 lately; more than 10 and you are removed from the match).',
    );
  });

  it('at the limit, says the next one removes the player, not "10 of 10" as if it already had', () => {
    const text = antiCheatWarningText({ kind: 'shot-claim', count: 10, limit: 10 });
    expect(text).toBe(
      'The server refused what this client sent (shot-claim: 10 lately; one more and you are removed from the match).',
    );
    expect(text).not.toContain('10 of 10');
  });
});
