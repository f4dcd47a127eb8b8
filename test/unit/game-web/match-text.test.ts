import { describe, expect, it } from 'vitest';
import { matchNoticeText } from '../../../game/web/hud/match-text.js';

const base = { match: 3, winners: [] as number[], standings: [], matchEntity: 1 } as const;
const names = new Map([
  [1, 'Ann'],
  [2, 'Bob'],
]);
const nameOf = (id: number) => names.get(id) ?? `vehicle ${id}`;

describe('matchNoticeText', () => {
  it('says each phase of the match', () => {
    expect(matchNoticeText({ ...base, phase: 'warmup' }, nameOf)).toBe('Match 3: warming up.');
    expect(matchNoticeText({ ...base, phase: 'playing' }, nameOf)).toBe('Match 3: go!');
  });

  it('names the winner, and a tie as such', () => {
    expect(matchNoticeText({ ...base, phase: 'ended', winners: [2] }, nameOf)).toBe('Match 3 over: Bob won.');
    expect(matchNoticeText({ ...base, phase: 'ended', winners: [1, 2] }, nameOf)).toBe(
      'Match 3 over: a tie, Ann and Bob won.',
    );
  });

  it('an end with no winner (nobody killed) is a draw, said as one', () => {
    expect(matchNoticeText({ ...base, phase: 'ended', winners: [] }, nameOf)).toBe(
      'Match 3 over: a draw, nobody scored a kill.',
    );
  });
});
