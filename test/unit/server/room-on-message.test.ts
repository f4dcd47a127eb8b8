import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { handlersOf, Room } from '../../../src/server/rooms/room.js';

/** Calls `onMessage` with arguments the types would refuse, as JavaScript apps (and ports) can. */
function register(room: Room, ...args: unknown[]): unknown {
  return (room.onMessage as (...a: unknown[]) => unknown).apply(room, args);
}

describe('Room.onMessage checks its arguments', () => {
  it("refuses Colyseus's onMessage(type, handler) at once, naming the type and where each argument goes", () => {
    const room = new Room();
    const call = () => register(room, 'move', (_client: unknown, _data: unknown) => {});
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/onMessage\('move', schema, handler\)/);
    expect(call).toThrow(/second argument is the message's schema \(a valibot schema\)/);
    expect(call).toThrow(/handler is the third/);
    expect(room[handlersOf]('move')).toBeUndefined();
  });

  it('refuses a Standard Schema of another library, which the server cannot run, naming it', () => {
    const zodLike = {
      '~standard': { version: 1, vendor: 'zod', validate: (value: unknown) => ({ value }) },
    };
    const call = () => register(new Room(), 'chat', zodLike, () => {});
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/'chat'.*valibot schema; got a Standard Schema of 'zod'/);
  });

  it('refuses an asynchronous valibot schema, whose checks would be skipped', () => {
    const schema = v.objectAsync({ text: v.string() });
    const call = () => register(new Room(), 'chat', schema, () => {});
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/'chat'.*asynchronous/);
  });

  it('refuses a missing schema, a missing handler and a type that is not a string', () => {
    const room = new Room();
    expect(() => register(room, 'a', undefined, () => {})).toThrow(/'a'.*got nothing/);
    expect(() => register(room, 'a', { parse: () => {} }, () => {})).toThrow(
      /'a'.*got an object that is not one/,
    );
    expect(() => register(room, 'a', v.string())).toThrow(/'a'.*third argument is the handler.*got nothing/);
    expect(() => register(room, 42, v.string(), () => {})).toThrow(/first argument is the message type/);
  });

  it('registers a valibot schema and its handler', () => {
    const room = new Room();
    const handler = () => {};
    const schema = v.object({ x: v.number() });
    const dispose = room.onMessage('move', schema, handler);
    expect(room[handlersOf]('move')).toEqual({ schema, handler });
    dispose();
    expect(room[handlersOf]('move')).toBeUndefined();
    // v.unknown() takes anything, for a message whose handler checks it itself.
    room.onMessage('any', v.unknown(), handler);
    expect(room[handlersOf]('any')?.handler).toBe(handler);
  });

  it("registers the catch-all, onMessage('*', handler), as the handler of every type without one", () => {
    const room = new Room();
    const own = () => {};
    const catchAll = (_client: unknown, _type: string, _data: unknown) => {};
    room.onMessage('move', v.unknown(), own);
    const dispose = room.onMessage('*', catchAll);
    expect(room[handlersOf]('move')?.handler).toBe(own);
    expect(room[handlersOf]('emote')).toEqual({ schema: undefined, handler: catchAll });
    dispose();
    expect(room[handlersOf]('emote')).toBeUndefined();
    expect(room[handlersOf]('move')?.handler).toBe(own);
  });

  it('refuses a catch-all with a schema, or with no handler, saying that it takes its handler alone', () => {
    const room = new Room();
    const call = () => register(room, '*', v.unknown(), () => {});
    expect(call).toThrow(TypeError);
    expect(call).toThrow(
      /onMessage\('\*', handler\) takes the catch-all's handler alone.*got three arguments/,
    );
    expect(() => register(room, '*', v.unknown())).toThrow(/catch-all's handler alone.*got an object/);
    expect(() => register(room, '*')).toThrow(/got nothing/);
    expect(room[handlersOf]('anything')).toBeUndefined();
  });
});
