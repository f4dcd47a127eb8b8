import { describe, expect, it } from 'vitest';
import { AddressRate, GUESS_NETWORKS, refusedSender } from '../../../src/server/address-rate.js';
import { resolveLimits } from '../../../src/server/options.js';
import { addressBlock } from '../../../src/server/remote-address.js';

const defaults = resolveLimits({});

describe('a rate per address', () => {
  it('room creation defaults to 20 at once, then one a second, saying how long to wait', () => {
    const rate = new AddressRate({
      burst: defaults.roomCreateBurst,
      perSecond: defaults.roomCreatesPerSecond,
    });
    const waits = Array.from({ length: 22 }, () => rate.take('203.0.113.7', 0));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(20);
    expect(waits.slice(20)).toEqual([1_000, 1_000]);
    expect(rate.take('203.0.113.7', 400)).toBe(600);
    expect(rate.take('203.0.113.7', 1_000)).toBe(0);
    // Another address has a bucket of its own.
    expect(rate.take('198.51.100.2', 1_000)).toBe(0);
  });

  it('forgets an address once its bucket has refilled, and not before', () => {
    const rate = new AddressRate({ burst: 2, perSecond: 1 });
    rate.take('a', 0);
    rate.take('b', 0);
    rate.take('b', 0);
    rate.sweep(1_000);
    expect(rate.size).toBe(1); // 'a' full again after a second, 'b' after two
    rate.sweep(2_000);
    expect(rate.size).toBe(0);
  });

  it('holds at most `maxTracked` addresses: the least recently creating one is forgotten, no one refused', () => {
    const rate = new AddressRate({ burst: 1, perSecond: 0.001 }, 3);
    for (const address of ['a', 'b', 'c']) expect(rate.take(address, 0)).toBe(0);
    expect(rate.take('a', 1)).toBeGreaterThan(0); // 'a' is now the most recent
    expect(rate.take('d', 2)).toBe(0);
    expect(rate.size).toBe(3);
    // 'b' was forgotten to make room, so it starts again; 'a' was kept, and is still refused.
    expect(rate.take('a', 3)).toBeGreaterThan(0);
    expect(rate.take('b', 4)).toBe(0);
    expect(rate.size).toBe(3);
  });

  it('says how long an address must wait without taking anything', () => {
    const rate = new AddressRate({ burst: 2, perSecond: 1 });
    expect(rate.waitMs('a', 0)).toBe(0); // never seen: a full bucket
    rate.take('a', 0);
    expect(rate.waitMs('a', 0)).toBe(0);
    expect(rate.waitMs('a', 0)).toBe(0); // asking took nothing
    rate.take('a', 0);
    expect(rate.waitMs('a', 0)).toBe(1_000);
    expect(rate.waitMs('a', 600)).toBe(400);
    expect(rate.waitMs('a', 1_000)).toBe(0);
  });
});

describe('a rate per address and per IPv6 network', () => {
  /** One /64 of the /48 `2001:db8:aa::/48` (and of the /32 `2001:db8::/32`): `2001:db8:aa:<n>::/64`. */
  const blockOf48 = (n: number) => addressBlock(`2001:db8:aa:${n.toString(16)}::1`);
  const guesses = () => new AddressRate({ burst: 10, perSecond: 1 / 6, networks: GUESS_NETWORKS });

  it('bounds one /64 as before: its burst, then one a rate period', () => {
    const rate = guesses();
    const waits = Array.from({ length: 11 }, () => rate.take(blockOf48(1), 0));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits[10]).toBe(6_000);
    expect(rate.take(blockOf48(1), 6_000)).toBe(0);
  });

  it('bounds the /64s of one /48 together: four /64s’ allowance in all, however many act', () => {
    const rate = guesses();
    let taken = 0;
    for (let n = 0; n < 100; n++) for (let i = 0; i < 10; i++) if (rate.take(blockOf48(n), 0) === 0) taken++;
    expect(taken).toBe(40);
    // A fresh /64 of that /48 waits for the /48, told for how long; refused, it took nothing of its own.
    expect(rate.take(blockOf48(5_000), 0)).toBe(1_500);
    expect(rate.waitMs(blockOf48(5_000), 0)).toBe(1_500);
    // The /48 goes on at four times one /64's rate.
    expect(rate.take(blockOf48(5_000), 1_500)).toBe(0);
    expect(rate.take(blockOf48(5_001), 1_500)).toBe(1_500);
  });

  it('lets an address of another /48 in while one /48 is held back, even within the same /32', () => {
    const rate = guesses();
    for (let n = 0; n < 100; n++) for (let i = 0; i < 10; i++) rate.take(blockOf48(n), 0);
    expect(rate.take(blockOf48(100), 0)).toBeGreaterThan(0);
    expect(rate.take(addressBlock('2001:db8:bb:1::1'), 0)).toBe(0);
    expect(rate.take(addressBlock('2001:db9:1:1::1'), 0)).toBe(0);
  });

  it('bounds the /48s of one /32 together: sixteen /64s’ allowance, so four /48s spend it', () => {
    const rate = guesses();
    let taken = 0;
    for (let net = 0; net < 100; net++)
      for (let n = 0; n < 10; n++)
        for (let i = 0; i < 10; i++)
          if (rate.take(addressBlock(`2001:db8:${net.toString(16)}:${n}::1`), 0) === 0) taken++;
    expect(taken).toBe(160);
    // The /32 is then spent for all its /48s; another /32 is not.
    expect(rate.take(addressBlock('2001:db8:ffff:1::1'), 0)).toBeGreaterThan(0);
    expect(rate.take(addressBlock('2001:db9:1:1::1'), 0)).toBe(0);
  });

  it('gives back to the networks what it gives back to the address', () => {
    const rate = guesses();
    for (let n = 0; n < 4; n++) for (let i = 0; i < 10; i++) rate.take(blockOf48(n), 0);
    expect(rate.take(blockOf48(9), 0)).toBeGreaterThan(0);
    rate.refund(blockOf48(0), 0);
    expect(rate.take(blockOf48(9), 0)).toBe(0);
  });

  it('counts an address alone when asked to, its networks neither checked nor taken from', () => {
    const rate = guesses();
    for (let n = 0; n < 4; n++) for (let i = 0; i < 10; i++) rate.take(blockOf48(n), 0);
    const alone = { networks: false };
    expect(rate.waitMs(blockOf48(9), 0, alone)).toBe(0);
    expect(rate.take(blockOf48(9), 0, alone)).toBe(0);
    rate.refund(blockOf48(9), 0, alone);
    // Nothing went back to the /48, spent as it was: given back, the /48 would have a guess now.
    expect(rate.take(blockOf48(10), 0)).toBe(1_500);
    for (let i = 0; i < 10; i++) rate.take(blockOf48(9), 0, alone);
    expect(rate.take(blockOf48(9), 0, alone)).toBe(6_000);
  });

  it('leaves IPv4, an IPv4-mapped IPv6 address included, an address on its own: its neighbours are others', () => {
    const rate = guesses();
    for (let host = 1; host < 255; host++) {
      const address = `198.51.100.${host}`;
      for (let i = 0; i < 10; i++) expect(rate.take(address, 0)).toBe(0);
      expect(rate.take(address, 0)).toBe(6_000);
    }
    // A dual-stack socket's spelling of an IPv4 peer is that address's block, not a /64 of `::`.
    const mapped = addressBlock('::ffff:203.0.113.7');
    expect(mapped).toBe('203.0.113.7');
    for (let i = 0; i < 10; i++) expect(rate.take(mapped, 0)).toBe(0);
    expect(rate.take('203.0.113.7', 0)).toBe(6_000);
    expect(rate.take(addressBlock('::ffff:203.0.113.8'), 0)).toBe(0);
  });

  it('stays bounded under a flood of fresh addresses and networks, and forgets them once refilled', () => {
    const rate = new AddressRate({ burst: 10, perSecond: 1 / 6, networks: GUESS_NETWORKS }, 100);
    for (let n = 0; n < 2_000; n++) {
      const hex = n.toString(16);
      rate.take(addressBlock(`2001:${hex}:${hex}:${hex}::1`), n);
      rate.take(`10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`, n);
    }
    expect(rate.size).toBeLessThanOrEqual(3 * 100);
    rate.sweep(2_000 + 60_000);
    expect(rate.size).toBe(0);
  });

  it('says whose allowance refused: the address, its /48 or its /32, the longest wait first', () => {
    const rate = guesses();
    const of48 = { network: '2001:db8:aa::/48', prefixLength: 48 };
    const of32 = { network: '2001:db8::/32', prefixLength: 32 };
    for (let i = 0; i < 10; i++) expect(rate.attempt(blockOf48(0), 0)).toBeUndefined();
    expect(rate.attempt(blockOf48(0), 0)).toEqual({ waitMs: 6_000, spent: 'address' });
    for (let n = 1; n < 4; n++) for (let i = 0; i < 10; i++) rate.take(blockOf48(n), 0);
    // A fresh /64 of the spent /48 is refused by the /48, told so in what `refusal` and `attempt` say.
    expect(rate.refusal(blockOf48(9), 0)).toEqual({ waitMs: 1_500, spent: of48 });
    expect(rate.attempt(blockOf48(9), 0)).toEqual({ waitMs: 1_500, spent: of48 });
    // The /64 whose own ten are spent waits longer for itself than for its /48: its own wait is told.
    expect(rate.attempt(blockOf48(0), 0)).toEqual({ waitMs: 6_000, spent: 'address' });
    // Three more /48s of the /32 spend its 160: a fresh /48 of it is refused by the /32.
    for (let net = 0xab; net < 0xae; net++)
      for (let n = 0; n < 4; n++)
        for (let i = 0; i < 10; i++) rate.take(addressBlock(`2001:db8:${net.toString(16)}:${n}::1`), 0);
    expect(rate.attempt(addressBlock('2001:db8:ff:1::1'), 0)).toEqual({ waitMs: 375, spent: of32 });
    // An address alone is only ever refused by itself.
    expect(rate.attempt(blockOf48(0), 0, { networks: false })).toEqual({ waitMs: 6_000, spent: 'address' });
  });

  it('names the sender a refusal is for as a message says it', () => {
    expect(refusedSender({ waitMs: 1, spent: 'address' })).toBe('your address');
    expect(refusedSender({ waitMs: 1, spent: { network: '2001:db8:aa::/48', prefixLength: 48 } })).toBe(
      "your address's /48 (2001:db8:aa::/48, all its /64s together)",
    );
    expect(refusedSender({ waitMs: 1, spent: { network: '2001:db8::/32', prefixLength: 32 } })).toBe(
      "your address's /32 (2001:db8::/32, all its /64s together)",
    );
  });

  it('refuses networks it cannot count at once', () => {
    expect(
      () => new AddressRate({ burst: 1, perSecond: 1, networks: [{ prefixLength: 64, times: 4 }] }),
    ).toThrow(TypeError);
    expect(
      () => new AddressRate({ burst: 1, perSecond: 1, networks: [{ prefixLength: 48, times: 0.5 }] }),
    ).toThrow(TypeError);
  });
});
