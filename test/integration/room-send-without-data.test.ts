import * as v from 'valibot';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * `room.send('ready')`: a message that is its type alone, as Colyseus rooms send them. The data may be
 * left out where the type takes undefined (every type of an untyped room), and the room's handler gets
 * undefined. It did not type-check before: `send` always wanted the data.
 */
class ReadyRoom extends Room {
  static last: ReadyRoom | undefined;
  readonly heard: string[] = [];

  override onCreate(): void {
    ReadyRoom.last = this;
    this.onMessage('ready', v.undefined(), (client) => this.heard.push(`ready ${client.name}`));
    this.onMessage('chat', v.object({ text: v.string() }), (_client, { text }) => this.heard.push(text));
  }
}

type ToServer = { ready: undefined; chat: { text: string } };

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

describe('a room message sent without data', () => {
  it('reaches the handler as undefined, from an untyped room and a typed one', async () => {
    t = await startServer({ ready: ReadyRoom });
    const ada = t.client({ name: 'Ada' });
    const bob = t.client({ name: 'Bob' });
    await Promise.all([ada.connect(), bob.connect()]);
    const untyped = await ada.create('ready');
    const typed = await bob.join<Record<string, never>, ToServer>(untyped.roomId);
    untyped.send('ready');
    typed.send('ready');
    typed.send('chat', { text: 'hi' }, { class: 'reliable' });
    // A chat has data: leaving it out does not type-check (not called: the room would refuse it).
    // @ts-expect-error: Expected 2-3 arguments
    const chatWithoutData = () => typed.send('chat');
    void chatWithoutData;
    await eventually(() => ReadyRoom.last?.heard.length === 3, 'the three messages with a valid shape');
    expect(ReadyRoom.last?.heard).toEqual(['ready Ada', 'ready Bob', 'hi']);
  });
});
