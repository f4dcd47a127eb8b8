import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import {
  INPUT_BITS,
  quantizeInput,
  readInput,
  type VehicleInput,
  writeInput,
} from '../../../game/sim/index.js';
import { input } from './support.js';

function roundTrip(value: VehicleInput): { read: VehicleInput; bits: number } {
  const writer = new BitWriter();
  writeInput(writer, value);
  return { read: readInput(new BitReader(writer.finish())), bits: writer.bitLength };
}

function bytesOf(write: (writer: BitWriter) => void): Uint8Array {
  const writer = new BitWriter();
  write(writer);
  return writer.finish();
}

describe('vehicle input codec', () => {
  it('round-trips every throttle, steer sixteenth and button combination in 12 bits', () => {
    for (const throttle of [-1, 0, 1]) {
      for (let sixteenths = -16; sixteenths <= 16; sixteenths++) {
        for (let buttons = 0; buttons < 16; buttons++) {
          const value: VehicleInput = {
            throttle,
            steer: sixteenths / 16,
            brake: (buttons & 1) !== 0,
            boost: (buttons & 2) !== 0,
            fire: (buttons & 4) !== 0,
            altFire: (buttons & 8) !== 0,
          };
          const { read, bits } = roundTrip(value);
          expect(read).toEqual(value);
          expect(bits).toBe(INPUT_BITS);
        }
      }
    }
  });

  it('rounds analog steering to the nearest sixteenth and clamps out-of-range values', () => {
    expect(roundTrip(input({ steer: 0.3, throttle: 0.7 })).read).toMatchObject({
      steer: 0.3125,
      throttle: 1,
    });
    expect(roundTrip(input({ steer: -5, throttle: -3 })).read).toMatchObject({ steer: -1, throttle: -1 });
    expect(roundTrip(input({ steer: Number.POSITIVE_INFINITY })).read.steer).toBe(0);
    const messy = input({ steer: 0.49, throttle: -0.2, boost: true });
    expect(roundTrip(messy).read).toEqual(quantizeInput(messy));
    expect(Object.is(quantizeInput(input({ steer: -0.01 })).steer, 0)).toBe(true);
  });

  it('refuses to write NaN or non-boolean buttons, before writing anything', () => {
    const writer = new BitWriter();
    expect(() => writeInput(writer, input({ steer: Number.NaN }))).toThrow(RangeError);
    expect(() => writeInput(writer, { ...input({}), fire: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => writeInput(writer, null as unknown as VehicleInput)).toThrow(TypeError);
    expect(writer.bitLength).toBe(0);
  });

  it('rejects truncated input and codes writeInput never writes with BAD_FRAME', () => {
    const expectBadFrame = (bytes: Uint8Array) => {
      try {
        readInput(new BitReader(bytes));
        expect.unreachable('readInput accepted bad input');
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
      }
    };
    expectBadFrame(new Uint8Array(0));
    expectBadFrame(new Uint8Array([0xff]));
    // throttle code 3
    expectBadFrame(bytesOf((w) => w.writeBits(3, 12)));
    // throttle 0 (code 1), steer code 33
    expectBadFrame(bytesOf((w) => w.writeBits(1 | (33 << 2), 12)));
    expectBadFrame(bytesOf((w) => w.writeBits(1 | (63 << 2), 12)));
  });
});
