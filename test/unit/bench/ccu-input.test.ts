import { describe, expect, it } from 'vitest';
import { botInput, decodeInput, encodeInput } from '../../../bench/workloads/ccu/scenario.js';

describe('the CCU scenario input bytes', () => {
  it('carry every sequence number and the full signed range of throttle and steer', () => {
    for (const seq of [0, 1, 255, 256, 0x7fff, 0x8000, 0xffff])
      for (const throttle of [-128, -127, -1, 0, 1, 127])
        for (const steer of [-128, -1, 0, 127]) {
          expect(decodeInput(encodeInput({ seq, throttle, steer }))).toEqual({ seq, throttle, steer });
        }
  });

  it('read what bots send, and refuse fewer than four bytes', () => {
    for (let ms = 0; ms < 60_000; ms += 777) {
      const input = botInput(3, ms, ms);
      // A byte has no negative zero: Math.round's -0 arrives as 0.
      const sent = { ...input, throttle: input.throttle + 0, steer: input.steer + 0 };
      expect(decodeInput(encodeInput(input))).toEqual(sent);
    }
    expect(decodeInput(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });
});
