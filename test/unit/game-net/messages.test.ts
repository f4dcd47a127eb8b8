import * as fc from 'fast-check';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import {
  decodeGameMessage,
  encodeClockProbe,
  encodeClockReply,
  encodeHashReport,
  encodeInputMessage,
  encodeStatus,
} from '../../../game/net/protocol/messages.js';
import { NEUTRAL_INPUT } from '../../../game/sim/index.js';

describe('game messages on the server link', () => {
  it('round-trip inputs with the view a shot was aimed in', () => {
    const fire = { ...NEUTRAL_INPUT, throttle: 1, steer: -0.5, fire: true };
    const packet = {
      firstTick: 1234,
      inputs: [
        { input: NEUTRAL_INPUT },
        { input: fire, view: { ticksBack: 12, fraction: 0.5, interpDelayMs: 99 } },
      ],
    };
    expect(decodeGameMessage(encodeInputMessage(packet), 'player')).toEqual({ type: 'input', packet });
  });

  it('round-trip clock probes, replies, hash reports and status', () => {
    expect(decodeGameMessage(encodeClockProbe(123.456), 'player')).toEqual({
      type: 'clock-probe',
      sentAt: 123.456,
    });
    expect(decodeGameMessage(encodeClockReply(1.5, 2.25, 3.125), 'server')).toEqual({
      type: 'clock-reply',
      sentAt: 1.5,
      receivedAt: 2.25,
      repliedAt: 3.125,
    });
    expect(decodeGameMessage(encodeHashReport(600, 0xdeadbeef), 'player')).toEqual({
      type: 'hash',
      tick: 600,
      hash: 0xdeadbeef,
    });
    const status = { consumedTick: 41, margin: -2, serverTick: 43, vehicleId: 7 };
    expect(decodeGameMessage(encodeStatus(status), 'server')).toEqual({ type: 'status', status });
    const empty = { consumedTick: undefined, margin: undefined, serverTick: 0, vehicleId: undefined };
    expect(decodeGameMessage(encodeStatus(empty), 'server')).toEqual({ type: 'status', status: empty });
  });

  it('refuses a server message from a player and a player message from the server', () => {
    expect(() =>
      decodeGameMessage(encodeStatus({ consumedTick: 1, margin: 1, serverTick: 2, vehicleId: 0 }), 'player'),
    ).toThrow(/game message/);
    expect(() => decodeGameMessage(encodeHashReport(1, 2), 'server')).toThrow(/game message/);
  });

  it('turns any bytes into a message or a BAD_FRAME ProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('player', 'server'), (bytes, from) => {
        try {
          decodeGameMessage(bytes, from as 'player' | 'server');
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
