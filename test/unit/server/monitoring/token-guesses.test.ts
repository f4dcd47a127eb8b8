import { describe, expect, it } from 'vitest';
import { TokenGuesses } from '../../../../src/server/monitoring/token-guesses.js';
import { addressBlock } from '../../../../src/server/remote-address.js';

const wrong = () => false;
const right = () => true;
/** The block of an address in the /64 numbered `n` of the attacker's /48, `2001:db8:aa::/48`. */
const attackerBlock = (n: number) => addressBlock(`2001:db8:aa:${n.toString(16)}::7`);
/** A wait for the address's own wrong tokens: its refusal says so. */
const ownWait = (waitMs: number) => ({ waitMs, spent: 'address' });
/** A wait for the wrong tokens of the attacker's /48: its refusal names that network, not the address. */
const attacker48Wait = (waitMs: number) => ({
  waitMs,
  spent: { network: '2001:db8:aa::/48', prefixLength: 48 },
});

describe('wrong admin or metrics tokens', () => {
  it('from one /64 are ten, then one every 6 s, the right token refused meanwhile', () => {
    const guesses = new TokenGuesses();
    for (let i = 0; i < 10; i++) expect(guesses.check(attackerBlock(1), 0, wrong)).toBe('wrong');
    expect(guesses.check(attackerBlock(1), 0, right)).toEqual(ownWait(6_000));
    expect(guesses.check(attackerBlock(1), 6_000, wrong)).toBe('wrong');
    expect(guesses.check(attackerBlock(1), 6_000, right)).toEqual(ownWait(6_000));
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
    expect(verdict).toEqual(attacker48Wait(1_500));
    expect(compared).toBe(false);
    expect(guesses.check(attackerBlock(9_999), 1_500, wrong)).toBe('wrong');
    expect(guesses.check(attackerBlock(10_000), 1_500, wrong)).toEqual(attacker48Wait(1_500));
  });

  it('from one /48 never keep out an operator at another /48, nor one at an IPv4 address', () => {
    const guesses = new TokenGuesses();
    for (let n = 0; n < 100; n++) guesses.check(attackerBlock(n), 0, wrong);
    expect(guesses.check(attackerBlock(100), 0, right)).toEqual(attacker48Wait(1_500));
    expect(guesses.check(addressBlock('2001:db8:bb:1::2'), 0, right)).toBe('right');
    expect(guesses.check(addressBlock('2a01:4f8:1:1::2'), 0, right)).toBe('right');
    expect(guesses.check(addressBlock('203.0.113.7'), 0, right)).toBe('right');
  });

  it('from one /48 never keep out a block of it that presented the right token within the day', () => {
    const guesses = new TokenGuesses();
    const scraper = attackerBlock(0xbeef);
    expect(guesses.check(scraper, 0, right)).toBe('right');
    for (let n = 0; n < 100; n++) guesses.check(attackerBlock(n), 1_000, wrong);
    expect(guesses.check(attackerBlock(100), 1_000, right)).toEqual(attacker48Wait(1_500));
    // The scraper is bounded as one /64, as it was before networks were counted: no more, no less.
    expect(guesses.check(scraper, 2_000, right)).toBe('right');
    for (let i = 0; i < 10; i++) expect(guesses.check(scraper, 2_000, wrong)).toBe('wrong');
    expect(guesses.check(scraper, 2_000, right)).toEqual(ownWait(6_000));
    // Its right token of a day before vouches no longer: its /48, spent again, holds it back.
    const nextDay = 2_000 + 24 * 60 * 60 * 1000;
    expect(guesses.check(scraper, nextDay, right)).toBe('right');
    const dayAfter = nextDay + 24 * 60 * 60 * 1000;
    guesses.sweep(dayAfter);
    for (let n = 0; n < 100; n++) guesses.check(attackerBlock(n), dayAfter, wrong);
    expect(guesses.check(scraper, dayAfter, right)).toEqual(attacker48Wait(1_500));
  });

  it('from the /48s of one /32 hold back a fresh /48 of it, naming the /32 as what is spent', () => {
    const guesses = new TokenGuesses();
    // Four /48s of 2001:db8::/32 at their forty each: the /32's 160 are spent, no /48 past its own.
    for (let net = 0; net < 4; net++)
      for (let n = 0; n < 4; n++)
        for (let i = 0; i < 10; i++)
          expect(guesses.check(addressBlock(`2001:db8:${net}:${n}::7`), 0, wrong)).toBe('wrong');
    expect(guesses.check(addressBlock('2001:db8:ff:1::7'), 0, right)).toEqual({
      waitMs: 6_000 / 16,
      spent: { network: '2001:db8::/32', prefixLength: 32 },
    });
  });
});
