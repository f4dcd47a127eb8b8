import type { MatchNotice } from '../../protocol/index.js';

/**
 * What the chat says at a match's phase change, apart from the page so it can be checked on its own.
 * The winners are the server's (`MatchNotice.winners`): none means nobody scored a kill, which the rules
 * call a draw, so the page says so rather than a bare "over".
 */
export function matchNoticeText(
  notice: Pick<MatchNotice, 'match' | 'phase' | 'winners'>,
  nameOfVehicle: (vehicleId: number) => string,
): string {
  if (notice.phase === 'warmup') return `Match ${notice.match}: warming up.`;
  if (notice.phase === 'playing') return `Match ${notice.match}: go!`;
  const names = notice.winners.map(nameOfVehicle);
  if (names.length === 0) return `Match ${notice.match} over: a draw, nobody scored a kill.`;
  if (names.length === 1) return `Match ${notice.match} over: ${names[0]} won.`;
  return `Match ${notice.match} over: a tie, ${names.slice(0, -1).join(', ')} and ${names.at(-1)} won.`;
}
