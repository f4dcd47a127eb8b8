import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { callableOf, Room } from '../../../src/server/rooms/room.js';

/** Calls `onCall` with arguments the types would refuse, as JavaScript apps can. */
function register(room: Room, ...args: unknown[]): unknown {
  return (room.onCall as (...a: unknown[]) => unknown).apply(room, args);
}

describe('Room.onCall', () => {
  it('registers a valibot schema and its handler, until disposed', () => {
    const room = new Room();
    const handler = () => 'answer';
    const schema = v.object({ count: v.number() });
    const dispose = room.onCall('addBots', schema, handler);
    expect(room[callableOf]('addBots')).toEqual({ schema, handler });
    // Calls and messages are apart: a call is no message type, nor the other way round.
    expect(room[callableOf]('other')).toBeUndefined();
    dispose();
    expect(room[callableOf]('addBots')).toBeUndefined();
  });

  it('a disposer of a call registered again since leaves the newer handler', () => {
    const room = new Room();
    const dispose = room.onCall('addBots', v.unknown(), () => 1);
    const newer = () => 2;
    room.onCall('addBots', v.unknown(), newer);
    dispose();
    expect(room[callableOf]('addBots')?.handler).toBe(newer);
  });

  it('a disposer of a call registered again since, with the same handler and a new schema, leaves it', () => {
    const room = new Room();
    const handler = () => 'answer';
    const dispose = room.onCall('addBots', v.object({ count: v.number() }), handler);
    const newer = v.object({ count: v.number(), team: v.string() });
    room.onCall('addBots', newer, handler);
    // The first registration's disposer: the second one is no longer its to remove.
    dispose();
    expect(room[callableOf]('addBots')?.schema).toBe(newer);
  });

  it('refuses at once what onMessage refuses, naming onCall and the call', () => {
    const room = new Room();
    expect(() => register(room, 'addBots', () => {})).toThrow(
      /onCall\('addBots', schema, handler\): the second argument is the call's schema/,
    );
    expect(() => register(room, 'addBots', v.objectAsync({}), () => {})).toThrow(
      /asynchronous.*calls are validated/,
    );
    expect(() => register(room, 'addBots', v.unknown())).toThrow(/third argument is the handler/);
    expect(() => register(room, '', v.unknown(), () => {})).toThrow(
      /onCall: the first argument is the name of the call/,
    );
    expect(room[callableOf]('addBots')).toBeUndefined();
  });
});
