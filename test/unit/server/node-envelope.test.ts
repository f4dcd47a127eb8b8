import { describe, expect, it } from 'vitest';
import {
  asJson,
  nodeMessage,
  readNodeMessage,
  topicMessage,
} from '../../../src/server/node-messages/node-envelope.js';

describe('messages between nodes', () => {
  it('carries a value as JSON makes it, and refuses what JSON cannot write or what is too long', () => {
    expect(asJson({ at: new Date(0), skip: undefined, n: [Number.NaN, undefined] }, 'x', 1_000)).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      n: [null, null],
    });
    expect(asJson(undefined, 'x', 10)).toBeUndefined();
    expect(asJson(() => 1, 'x', 10)).toBeUndefined();
    expect(() => asJson(1n, 'the data', 10)).toThrow(
      expect.objectContaining({
        code: 'INVALID_MESSAGE',
        message: expect.stringMatching(/^the data cannot be written as JSON/),
      }),
    );
    const throwing = {
      toJSON() {
        throw new Error('no');
      },
    };
    expect(() => asJson(throwing, 'x', 10)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    // Counted in UTF-8 bytes: 'é' takes two, the quotes one each.
    expect(asJson('éé', 'x', 6)).toBe('éé');
    expect(() => asJson('ééé', 'x', 6)).toThrow(
      expect.objectContaining({
        code: 'MESSAGE_TOO_LARGE',
        message: 'x is 8 bytes of JSON, over the 6 that nodes pass (maxPayloadBytes)',
      }),
    );
  });

  it('reads a message of its version and shape, and says why it drops any other', () => {
    const call = {
      v: 1,
      k: 'call',
      id: 'f'.repeat(32),
      from: 'node-a',
      room: 'r',
      name: 'n',
      ms: 10,
      args: [1],
    };
    expect(readNodeMessage(nodeMessage, JSON.stringify(call), 1_000)).toEqual({ ok: true, message: call });
    const answer = {
      v: 1,
      k: 'err',
      id: '0'.repeat(32),
      code: 'REQUEST_FAILED',
      message: 'no',
      reason: 'NO_BOTS',
    };
    expect(readNodeMessage(nodeMessage, JSON.stringify(answer), 1_000)).toEqual({
      ok: true,
      message: answer,
    });
    const malformed = [
      '{',
      '"text"',
      JSON.stringify({ ...call, v: 2 }),
      JSON.stringify({ ...call, k: 'other' }),
      JSON.stringify({ ...call, ms: 0 }),
      JSON.stringify({ ...call, room: 'r'.repeat(257) }),
      JSON.stringify({ ...answer, reason: 'has space' }),
      JSON.stringify({ ...answer, message: 'm'.repeat(513) }),
    ];
    for (const text of malformed)
      expect(readNodeMessage(nodeMessage, text, 1_000)).toEqual({ ok: false, reason: 'malformed' });
    const topic = JSON.stringify({ v: 1, from: 'node-a', data: 'ééé' });
    expect(readNodeMessage(topicMessage, topic, Buffer.byteLength(topic))).toMatchObject({ ok: true });
    expect(readNodeMessage(topicMessage, topic, Buffer.byteLength(topic) - 1)).toEqual({
      ok: false,
      reason: 'too_large',
    });
  });
});
