import * as v from 'valibot';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedClient, eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { thrownBy } from '../support/thrown-by.js';

/**
 * socket.io's `emit(event, data, (reply) => ...)` written as `send(type, data, callback)` put the
 * callback where the send options go: it was taken as no options, the message went, and the callback was
 * never called, without a word. A send options argument that is not an object is refused at the call,
 * on both sides, and a function's refusal says there are no acknowledgement callbacks.
 */

class AskRoom extends Room {
  static heard: unknown[] = [];
  static refusals: unknown[] = [];

  override onCreate(): void {
    this.onMessage('buy', v.string(), (client, item) => {
      AskRoom.heard.push(item);
      const callback = () => {};
      for (const send of [
        () => client.send('reply', 'ok', callback as never),
        () => this.broadcast('reply', 'ok', callback as never),
        () => client.send('reply', 'ok', 7 as never),
      ]) {
        AskRoom.refusals.push(thrownBy(send) ?? 'nothing');
      }
      client.send('done', item);
    });
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  AskRoom.heard = [];
  AskRoom.refusals = [];
});

describe('a callback where the send options go', () => {
  it('throws INVALID_MESSAGE at the client call, saying there are no acknowledgements; nothing is sent', async () => {
    t = await startServer({ ask: AskRoom });
    const client = await connectedClient(t);
    const room = await client.create('ask');
    const replies: unknown[] = [];
    room.onMessage('reply', (reply) => replies.push(reply));
    const withCallback = thrownBy(() =>
      room.send('buy', 'rocket', ((reply: unknown) => replies.push(reply)) as never),
    );
    expect(withCallback).toBeInstanceOf(ProtocolError);
    expect((withCallback as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    expect((withCallback as ProtocolError).message).toMatch(
      /no acknowledgement callbacks.*room\.request\(type, data\)/,
    );
    const withNumber = thrownBy(() => room.send('buy', 'rocket', 7 as never));
    expect((withNumber as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    expect((withNumber as ProtocolError).message).toMatch(/send options must be an object/);
    await sleep(200);
    expect(AskRoom.heard).toEqual([]);
    // Options as documented still go.
    room.send('buy', 'gun', { class: 'reliable' });
    await eventually(() => AskRoom.heard.length === 1, 'the message sent with options');
    expect(AskRoom.heard).toEqual(['gun']);
  });

  it('throws INVALID_MESSAGE at the room call too; the player gets nothing from it', async () => {
    t = await startServer({ ask: AskRoom });
    const client = await connectedClient(t);
    const room = await client.create('ask');
    const replies: unknown[] = [];
    const done: unknown[] = [];
    room.onMessage('reply', (reply) => replies.push(reply));
    room.onMessage('done', (item) => done.push(item));
    room.send('buy', 'rocket');
    await eventually(() => done.length === 1, 'the room done with the message');
    expect(AskRoom.refusals).toHaveLength(3);
    for (const error of AskRoom.refusals) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
    }
    expect((AskRoom.refusals[0] as ProtocolError).message).toMatch(/no acknowledgement callbacks/);
    expect(replies).toEqual([]);
  });
});
