import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { inflateAtMost } from '../../../src/client/sync/bounded-inflate.js';

/** Bytes that compress somewhat, as snapshot text does. */
function sample(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let seed = 11;
  for (let index = 0; index < length; index++) {
    seed = (seed * 16_807) % 2_147_483_647;
    bytes[index] = index % 7 === 0 ? seed % 256 : 97 + (index % 13);
  }
  return bytes;
}

describe('inflateAtMost', () => {
  it.each([0, 1, 1_000, 70_000, 262_144])('gives back %i bytes deflated, whole', (length) => {
    const original = sample(length);
    expect(inflateAtMost(deflateSync(original), 262_144)).toEqual(original);
  });

  it('gives up once the output passes the limit, without reading the rest of the input', () => {
    const bomb = deflateSync(new Uint8Array(50_000_000));
    expect(inflateAtMost(bomb, 262_144)).toBeUndefined();
    // The same bomb cut short and followed by garbage: an inflate that read it all would throw there.
    const cut = new Uint8Array(bomb.length);
    cut.set(bomb.subarray(0, 4_096));
    cut.fill(0xff, 4_096);
    expect(inflateAtMost(cut, 262_144)).toBeUndefined();
    expect(inflateAtMost(deflateSync(sample(1_001)), 1_000)).toBeUndefined();
  });

  it('reads no further than the slice whose output passes the limit, however small the limit', () => {
    // A bomb's bytes give about 1,032 bytes each: its first 64 give about 52 KB, past 16 KiB. Garbage
    // after them would throw if read, so an answer of undefined shows the work stopped near 16 KiB
    // (sliced by a fixed 1 KiB, it read the garbage and inflated up to a megabyte first).
    const bomb = deflateSync(new Uint8Array(50_000_000));
    const head = new Uint8Array(4_096).fill(0xff);
    head.set(bomb.subarray(0, 64));
    expect(inflateAtMost(head, 16_384)).toBeUndefined();
  });

  it('throws on bytes that are not DEFLATE, or end early', () => {
    expect(() => inflateAtMost(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 1_000)).toThrow();
    const whole = deflateSync(sample(5_000));
    expect(() => inflateAtMost(whole.subarray(0, whole.length - 20), 10_000)).toThrow();
  });
});
