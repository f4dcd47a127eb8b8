import { describe, expect, it } from 'vitest';
import { TokenGuesses } from '../../../../src/server/monitoring/token-guesses.js';
import { addressBlock } from '../../../../src/server/remote-address.js';

const wrong = () => false;
const right = () => true;
/** The block of an address in the /64 numbered `n` of the attacker's /48, `2001:db8:aa::/48`. */
const attackerBlock = (n: number) => addressBlock(`2001:db8:aa:${n.toString(16)}::7`);

describe('wrong admin or metrics tokens', () => {
  it('from one /64 are ten, then one every 6 s, the right token refused meanwhile', () => {
    const guesses = new TokenGuesses();
    for (let i = 0; i < 10; i++) expect(guesses.check(attackerBlock(1), 0, wrong)).toBe('wrong');
    expect(guesses.check(attackerBlock(1), 0, right)).toEqual({ waitMs: 6_000 });
    expect(guesses.check(attackerBlock(1), 6_000, wrong)).toBe('wrong');
    expect(guesses.check(attackerBlock(1), 6_000, right)).toEqual({ waitMs: 6_000 });
  });

  it('from many /64s of one /48 are forty in all, then one every 1.5 s, not ten per /64', () => {
    const guesses = new TokenGuesses();
    const verdicts = Array.from({ length: 65_536 / 64 }, (_, n) => guesses.check(attackerBlock(n), 0, wrong));
    expect(verdicts.filter((verdict) => verdict === 'wrong')).toHaveLength(40);
    // Held back before the token is compared, as a /64 past its own guesses is: a right one would tell.
    let compared = false;
    const verdict = guesses.check(attackerBlock(9_999), 0, () => {
      compared = true;
      return true;
    });
    expect(verdict).toEqual({ waitMs: 1_500 });
    expect(compared).toBe(false);
    expect(guesses.check(attackerBlock(9_999), 1_500, wrong)).toBe('wrong');
    expect(guesses.check(attackerBlock(10_000), 1_500, wrong)).toEqual({ waitMs: 1_500 });
  });

  it('from one /48 never keep out an operator at another /48, nor one at an IPv4 address', () => {
    const guesses = new TokenGuesses();
    for (let n = 0; n < 100; n++) guesses.check(attackerBlock(n), 0, wrong);
    expect(guesses.check(attackerBlock(100), 0, right)).toEqual({ waitMs: 1_500 });
    expect(guesses.check(addressBlock('2001:db8:bb:1::2'), 0, right)).toBe('right');
    expect(guesses.check(addressBlock('2a01:4f8:1:1::2'), 0, right)).toBe('right');
    expect(guesses.check(addressBlock('203.0.113.7'), 0, right)).toBe('right');
  });

  it('from one /48 never keep out a block of it that presented the right token within the day', () => {
    const guesses = new TokenGuesses();
    const scraper = attackerBlock(0xbeef);
    expect(guesses.check(scraper, 0, right)).toBe('right');
    for (let n = 0; n < 100; n++) guesses.check(attackerBlock(n), 1_000, wrong);
    expect(guesses.check(attackerBlock(100), 1_000, right)).toEqual({ waitMs: 1_500 });
    // The scraper is bounded as one /64, as it was before networks were counted: no more, no less.
    expect(guesses.check(scraper, 2_000, right)).toBe('right');
    for (let i = 0; i < 10; i++) expect(guesses.check(scraper, 2_000, wrong)).toBe('wrong');
    expect(guesses.check(scraper, 2_000, right)).toEqual({ waitMs: 6_000 });
    // Its right token of a day before vouches no longer: its /48, spent again, holds it back.
    const nextDay = 2_000 + 24 * 60 * 60 * 1000;
    expect(guesses.check(scraper, nextDay, right)).toBe('right');
    const dayAfter = nextDay + 24 * 60 * 60 * 1000;
    guesses.sweep(dayAfter);
    for (let n = 0; n < 100; n++) guesses.check(attackerBlock(n), dayAfter, wrong);
    expect(guesses.check(scraper, dayAfter, right)).toEqual({ waitMs: 1_500 });
  });
});
