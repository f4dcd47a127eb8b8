import * as v from 'valibot';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * A message handler may be a one-liner whose value is something else's (`Map.set` gives the map,
 * `Array.push` a length): it type-checks and runs, its value ignored. Such handlers, the usual way to
 * write them in Colyseus, did not type-check here before (`void | Promise<void>` refused the map).
 */
class MovesRoom extends Room {
  static last: MovesRoom | undefined;
  readonly moves = new Map<string, { dx: number; dy: number }>();
  readonly chats: string[] = [];

  override onCreate(): void {
    MovesRoom.last = this;
    this.onMessage('move', v.object({ dx: v.number(), dy: v.number() }), (client, move) =>
      this.moves.set(client.playerId, move),
    );
    this.onMessage('chat', v.string(), (_client, text) => this.chats.push(text));
    this.onMessage('async', v.string(), async (_client, text) => this.chats.push(`later: ${text}`));
  }
}

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

describe('message handlers whose value is not void', () => {
  it('run, their values ignored', async () => {
    t = await startServer({ moves: MovesRoom });
    const client = t.client({ name: 'Ada' });
    await client.connect();
    const room = await client.create('moves');
    room.send('move', { dx: 1, dy: -1 });
    room.send('chat', 'hi');
    room.send('async', 'there');
    await eventually(() => (MovesRoom.last?.chats.length ?? 0) === 2, 'both chats handled');
    expect(MovesRoom.last?.moves.get(client.playerId as string)).toEqual({ dx: 1, dy: -1 });
    expect(MovesRoom.last?.chats).toEqual(['hi', 'later: there']);
  });
});
