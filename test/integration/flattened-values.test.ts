import * as v from 'valibot';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedClient, eventually, startServer, type TestServer } from '../support/server.js';
import { thrownBy } from '../support/thrown-by.js';

/**
 * msgpack writes any object that is neither an array nor a typed array as a map of its own enumerable
 * keys, so an ArrayBuffer, a Map or a Set would arrive as `{}`: its contents lost without a word. A
 * socket.io app sends ArrayBuffers as they are; here each such value is refused at the call, on both
 * sides, with INVALID_MESSAGE saying what to send instead, and whatever did arrive is the real data.
 */

/** Values that would travel as an empty map, and the words their refusal must have. */
const flattened = {
  arrayBuffer: {
    value: () => new Uint8Array([1, 2, 3]).buffer,
    said: /ArrayBuffer.*new Uint8Array\(buffer\)/,
  },
  map: { value: () => new Map([['hp', 100]]), said: /Map.*Object\.fromEntries/ },
  set: { value: () => new Set([1, 2]), said: /Set.*array/ },
} as const;
type Flattened = keyof typeof flattened;

class EchoRoom extends Room {
  static refusals: unknown[] = [];

  override onCreate(): void {
    this.onMessage('echo', v.unknown(), (client, data) => client.send('echo', data));
    this.onMessage('send back', v.picklist(Object.keys(flattened) as Flattened[]), (client, what) => {
      for (const send of [
        () => this.broadcast('x', { data: flattened[what].value() }),
        () => client.send('x', { data: flattened[what].value() }),
      ]) {
        EchoRoom.refusals.push(thrownBy(send) ?? 'nothing');
      }
      client.send('done', what);
    });
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  EchoRoom.refusals = [];
});

describe('values msgpack would flatten to an empty map', () => {
  it('a client sending one gets INVALID_MESSAGE at the call, saying what to send; nothing is sent', async () => {
    t = await startServer({ echo: EchoRoom });
    const client = await connectedClient(t);
    const room = await client.create('echo');
    const echoes: unknown[] = [];
    room.onMessage('echo', (data) => echoes.push(data));
    for (const what of Object.keys(flattened) as Flattened[]) {
      const thrown = thrownBy(() => room.send('echo', { nested: [flattened[what].value()] }));
      expect(thrown, what).toBeInstanceOf(ProtocolError);
      expect((thrown as ProtocolError).code, what).toBe(ErrorCode.INVALID_MESSAGE);
      expect((thrown as ProtocolError).message, what).toMatch(flattened[what].said);
    }
    // Bytes still travel: a Uint8Array over the buffer arrives with its contents.
    room.send('echo', new Uint8Array(flattened.arrayBuffer.value()));
    await eventually(() => echoes.length === 1, 'the echo of the bytes');
    expect(echoes).toEqual([new Uint8Array([1, 2, 3])]);
  });

  it('a room sending one throws INVALID_MESSAGE at the call; its players get nothing', async () => {
    t = await startServer({ echo: EchoRoom });
    const client = await connectedClient(t);
    const room = await client.create('echo');
    const heard: unknown[] = [];
    const done: unknown[] = [];
    room.onMessage('x', (data) => heard.push(data));
    room.onMessage('done', (what) => done.push(what));
    for (const what of Object.keys(flattened) as Flattened[]) room.send('send back', what);
    await eventually(() => done.length === 3, 'every refusal made');
    expect(EchoRoom.refusals).toHaveLength(6);
    for (const [index, error] of EchoRoom.refusals.entries()) {
      const what = (Object.keys(flattened) as Flattened[])[Math.floor(index / 2)] as Flattened;
      expect(error, what).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code, what).toBe(ErrorCode.INVALID_MESSAGE);
      expect((error as ProtocolError).message, what).toMatch(flattened[what].said);
    }
    expect(heard).toEqual([]);
  });
});
