import { describe, expect, it } from 'vitest';
import { BotAllowance } from '../../../game/server/bot-allowance.js';

describe('BotAllowance', () => {
  it('holds each room’s bots against its address, up to the bound, until the room is released', () => {
    const allowance = new BotAllowance<string>(20);
    expect(allowance.hold('a', '10.0.0.1', 15)).toBe(true);
    expect(allowance.left('10.0.0.1')).toBe(5);
    expect(allowance.hold('b', '10.0.0.1', 6)).toBe(false);
    expect(allowance.running('10.0.0.1')).toBe(15);
    // Another address has its own; a room without bots holds nothing.
    expect(allowance.hold('c', '10.0.0.2', 20)).toBe(true);
    expect(allowance.hold('d', '10.0.0.1', 0)).toBe(true);
    expect(allowance.hold('e', '10.0.0.1', 5)).toBe(true);
    expect(allowance.left('10.0.0.1')).toBe(0);
    allowance.release('a');
    allowance.release('a');
    allowance.release('d');
    expect(allowance.running('10.0.0.1')).toBe(5);
    allowance.release('e');
    allowance.release('c');
    expect(allowance.addresses).toBe(0);
  });

  it('refuses a bound that is not a whole number of bots', () => {
    expect(() => new BotAllowance(-1)).toThrow(RangeError);
    expect(() => new BotAllowance(1.5)).toThrow(RangeError);
    expect(new BotAllowance(0).left('x')).toBe(0);
  });
});
