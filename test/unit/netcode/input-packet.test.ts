import * as fc from 'fast-check';
import {
  decodeInputPacket,
  encodeInputPacket,
  type InputCodec,
  InputHistory,
  type InputPacket,
  MAX_INPUTS_PER_PACKET,
} from 'vehikill-net/netcode';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

interface Input {
  throttle: number; // -1, 0, 1
  steer: number; // 0..255
  fire: boolean;
}

const codec: InputCodec<Input> = {
  write(bits, input) {
    bits.writeBits(input.throttle + 1, 2);
    bits.writeBits(input.steer, 8);
    bits.writeBool(input.fire);
  },
  read(bits) {
    const throttle = bits.readBits(2) - 1;
    if (throttle > 1) throw new RangeError('throttle code 3 is not an input');
    return { throttle, steer: bits.readBits(8), fire: bits.readBool() };
  },
};

const input = (n: number): Input => ({ throttle: (n % 3) - 1, steer: n % 256, fire: n % 2 === 0 });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function badFrame(bytes: Uint8Array): ProtocolError {
  try {
    decodeInputPacket(bytes, codec);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    expect((error as ProtocolError).message).toMatch(/^input packet/);
    return error as ProtocolError;
  }
  throw new Error('expected BAD_FRAME');
}

describe('InputHistory', () => {
  it('sends the newest 8 unacked inputs and drops acked ones', () => {
    const history = new InputHistory<Input>();
    expect(history.packet()).toBeUndefined();
    for (let tick = 100; tick < 110; tick++) history.record(tick, input(tick));
    expect(history.packet()).toEqual({
      firstTick: 102,
      inputs: [102, 103, 104, 105, 106, 107, 108, 109].map(input),
    });
    history.ack(106);
    expect(history.packet()).toEqual({ firstTick: 107, inputs: [input(107), input(108), input(109)] });
    expect(history.unacked).toBe(3);
    history.ack(104); // an old ack changes nothing
    expect(history.unacked).toBe(3);
    history.ack(200);
    expect(history.packet()).toBeUndefined();
    history.record(110, input(110));
    expect(history.packet()).toEqual({ firstTick: 110, inputs: [input(110)] });
  });

  it('starts a new run when the tick jumps, and refuses ticks that go back', () => {
    const history = new InputHistory<Input>({ redundancy: 3 });
    history.record(5, input(5));
    history.record(6, input(6));
    history.record(50, input(50));
    expect(history.packet()).toEqual({ firstTick: 50, inputs: [input(50)] });
    expect(() => history.record(50, input(50))).toThrow(RangeError);
  });

  it('refuses a redundancy its packets could not be encoded with', () => {
    expect(() => new InputHistory<Input>({ redundancy: MAX_INPUTS_PER_PACKET + 1 })).toThrow(
      `redundancy must be at most ${MAX_INPUTS_PER_PACKET}`,
    );
    const history = new InputHistory<Input>({ redundancy: MAX_INPUTS_PER_PACKET });
    for (let tick = 0; tick < 100; tick++) history.record(tick, input(tick));
    expect(decodeInputPacket(encodeInputPacket(history.packet()!, codec), codec).inputs).toHaveLength(64);
  });

  it('refuses an ack that is not a tick, which would leave every later packet unencodable', () => {
    const history = new InputHistory<Input>();
    for (let tick = 100; tick < 110; tick++) history.record(tick, input(tick));
    expect(() => history.ack(106.5)).toThrow(RangeError);
    expect(() => history.ack(Number.NaN)).toThrow(RangeError);
    history.ack(106);
    expect(history.packet()).toEqual({ firstTick: 107, inputs: [input(107), input(108), input(109)] });
  });

  it('keeps at most `capacity` unacked inputs', () => {
    const history = new InputHistory<Input>({ capacity: 10, redundancy: 4 });
    for (let tick = 0; tick < 100; tick++) history.record(tick, input(tick));
    expect(history.unacked).toBe(10);
    expect(history.packet()?.firstTick).toBe(96);
  });
});

describe('input packet codec', () => {
  it('golden bytes', () => {
    const packet: InputPacket<Input> = {
      firstTick: 300,
      inputs: [
        { throttle: 1, steer: 128, fire: true },
        { throttle: -1, steer: 0, fire: false },
      ],
    };
    // varuint 300 = ac 02; count-1 = 1 in 6 bits; then 11 bits per input, LSB first.
    expect(hex(encodeInputPacket(packet, codec))).toBe('ac0281800100');
    expect(decodeInputPacket(encodeInputPacket(packet, codec), codec)).toEqual(packet);
  });

  it('round-trips any packet', () => {
    const arbitraryInput = fc.record({
      throttle: fc.integer({ min: -1, max: 1 }),
      steer: fc.integer({ min: 0, max: 255 }),
      fire: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - MAX_INPUTS_PER_PACKET }),
        fc.array(arbitraryInput, { minLength: 1, maxLength: MAX_INPUTS_PER_PACKET }),
        (firstTick, inputs) => {
          const packet = { firstTick, inputs };
          expect(decodeInputPacket(encodeInputPacket(packet, codec), codec)).toEqual(packet);
        },
      ),
    );
  });

  it('refuses to encode an empty or oversized packet', () => {
    expect(() => encodeInputPacket({ firstTick: 0, inputs: [] }, codec)).toThrow(RangeError);
    const many = Array.from({ length: MAX_INPUTS_PER_PACKET + 1 }, (_, n) => input(n));
    expect(() => encodeInputPacket({ firstTick: 0, inputs: many }, codec)).toThrow(RangeError);
  });

  it('rejects truncated packets, trailing bytes, dirty padding and what the input codec refuses', () => {
    const bytes = encodeInputPacket({ firstTick: 300, inputs: [input(1), input(2), input(3)] }, codec);
    for (let length = 0; length < bytes.length; length++) badFrame(bytes.slice(0, length));
    expect(badFrame(Uint8Array.of(...bytes, 0)).message).toMatch(/past the end/);
    const dirty = Uint8Array.from(bytes);
    dirty[dirty.length - 1] = (dirty[dirty.length - 1] as number) | 0x80;
    expect(badFrame(dirty).message).toMatch(/padding/);
    // 1 input whose throttle code is 3.
    expect(badFrame(Uint8Array.of(0x00, 0xc0, 0x00)).message).toMatch(/throttle/);
  });

  it('never throws anything but BAD_FRAME on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const packet = decodeInputPacket(bytes, codec);
          expect(packet.inputs.length).toBeGreaterThan(0);
          expect(Number.isSafeInteger(packet.firstTick)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
