import { type CreateOptions, MATCH_MINUTES, MAX_BOTS } from '../../protocol/index.js';

/**
 * The Create form's number, as the server reads `bots`: the players (humans and bots) the room is topped
 * up to, not a count of bots. A solo creator who meant "3 bots" by 3 got 2, and by 1 none, when the field
 * said "Bots"; the page labels it "Fill with bots up to N players" and says what that gives.
 */
function fillTarget(bots: string): number {
  return Math.max(0, Math.min(MAX_BOTS, Math.round(Number(bots) || 0)));
}

/** The create options for the form's fields as typed; a match length out of bounds is left to the server's. */
export function createOptionsFrom(
  bots: string,
  minutes: string,
): Omit<CreateOptions, 'quickPlay' | 'relayOnly'> {
  const matchMinutes = Number(minutes);
  return {
    bots: fillTarget(bots),
    ...(Number.isFinite(matchMinutes) &&
    matchMinutes >= MATCH_MINUTES.min &&
    matchMinutes <= MATCH_MINUTES.max
      ? { matchMinutes }
      : {}),
  };
}

/** What the fill target gives the creator: the bots it starts with, and that they make way for players. */
export function botFillHint(bots: string): string {
  const target = fillTarget(bots);
  if (target === 0) return 'No bots.';
  // The creator is the first player: a target of 1 is met without any bot.
  if (target === 1) return 'No bots: you are that player.';
  if (target === 2) return '1 bot while you play alone; it leaves when a player joins.';
  return `${target - 1} bots while you play alone; one leaves for each player who joins.`;
}
