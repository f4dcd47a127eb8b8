import * as v from 'valibot';
import { ErrorCode } from 'vehikill-net/client';
import { Room, type RoomClient } from 'vehikill-net/server';
import {
  eventually,
  nextMessage,
  serverCaughtUp,
  startTestGame,
  type TestGame,
  testClient,
  WaitTimeoutError,
} from 'vehikill-net/testing';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * vehikill-net/testing, used as an app's own tests use it (Colyseus's `@colyseus/testing`): a game started
 * on a free port, clients of it, waits for a room's message, for the server to have handled what a client
 * sent, and for a condition; one `close()` for all of it.
 */

/**
 * Counts: `add` tells every member the new count; `bump` counts in silence (only the server knows). Greets
 * each player as it joins, right behind the join's answer.
 */
class Counter extends Room {
  total = 0;

  override onCreate(): void {
    this.onMessage('add', v.object({ by: v.number() }), (_client, { by }) => {
      this.total += by;
      this.broadcast('counter', { count: this.total });
    });
    this.onMessage('bump', v.undefined(), () => {
      this.total++;
    });
    // One counter message per amount, all in one go.
    this.onMessage('addEach', v.array(v.number()), (_client, amounts) => {
      for (const by of amounts) {
        this.total += by;
        this.broadcast('counter', { count: this.total });
      }
    });
  }

  override onJoin(client: RoomClient): void {
    client.send('hello', { total: this.total });
  }
}

/** Greets each player twice as it joins. */
class Greeter extends Room {
  override onJoin(client: RoomClient): void {
    client.send('hello', { total: 1 });
    client.send('hello', { total: 2 });
  }
}

type ToClient = { counter: { count: number }; hello: { total: number }; never: null };
type ToServer = { add: { by: number }; bump: undefined; addEach: number[] };

let game: TestGame | undefined;
afterEach(async () => {
  await game?.close();
  game = undefined;
});

/** A started game, and two connected clients in one counter room. */
async function twoPlayers() {
  game = await startTestGame({ counter: Counter });
  const ada = game.client();
  const bob = game.client();
  await Promise.all([ada.connect(), bob.connect()]);
  const adaRoom = await ada.create<ToClient, ToServer>('counter');
  const bobRoom = await bob.join<ToClient, ToServer>(adaRoom.roomId);
  return { game, ada, bob, adaRoom, bobRoom };
}

describe('vehikill-net/testing', () => {
  it("waits for a room's next message on each client, with its data", async () => {
    const { adaRoom, bobRoom } = await twoPlayers();
    const toAda = nextMessage(adaRoom, 'counter');
    const toBob = nextMessage(bobRoom, 'counter');
    adaRoom.send('add', { by: 2 });
    expect(await toAda).toEqual({ data: { count: 2 }, from: undefined });
    const { data } = await toBob;
    expect(data.count).toBe(2); // typed as the room's messages to clients say
  });

  it('gets a message the room sent as the player joined, before any handler was there', async () => {
    const { bobRoom } = await twoPlayers();
    expect((await nextMessage(bobRoom, 'hello', { timeoutMs: 1_000 })).data).toEqual({ total: 0 });
  });

  it('waits in a row for the messages the room sent as the player joined, before any handler was there', async () => {
    game = await startTestGame({ greeter: Greeter });
    const ada = game.client();
    await ada.connect();
    const room = await ada.create<ToClient, ToServer>('greeter');
    expect((await nextMessage(room, 'hello', { timeoutMs: 1_000 })).data).toEqual({ total: 1 });
    expect((await nextMessage(room, 'hello', { timeoutMs: 1_000 })).data).toEqual({ total: 2 });
  });

  it("leaves the app's own handler of the type in place: both get the message, the app's the next ones too", async () => {
    const { adaRoom } = await twoPlayers();
    const seen: number[] = [];
    adaRoom.onMessage('counter', ({ count }) => seen.push(count));
    const waited = nextMessage(adaRoom, 'counter');
    adaRoom.send('add', { by: 1 });
    expect((await waited).data).toEqual({ count: 1 });
    adaRoom.send('add', { by: 1 });
    await eventually(() => seen.length === 2, 'the second counter at the app');
    expect(seen).toEqual([1, 2]);
  });

  it('waits in a row for messages the room sent in one go: none missed, none twice', async () => {
    const { adaRoom } = await twoPlayers();
    // The app's own handler of the type: a message is not kept for a later handler, as in the room's
    // first second it would be.
    const seen: number[] = [];
    adaRoom.onMessage('counter', ({ count }) => seen.push(count));
    const first = nextMessage(adaRoom, 'counter');
    adaRoom.send('addEach', [1, 2, 3]);
    expect((await first).data).toEqual({ count: 1 });
    expect((await nextMessage(adaRoom, 'counter', { timeoutMs: 1_000 })).data).toEqual({ count: 3 });
    expect((await nextMessage(adaRoom, 'counter', { timeoutMs: 1_000 })).data).toEqual({ count: 6 });
    expect(seen).toEqual([1, 3, 6]);
  });

  it('gives a wait started later the next message, not one that came before it, and lets go of the type', async () => {
    const { ada, adaRoom } = await twoPlayers();
    const unhandled: string[] = [];
    adaRoom.onMessage('*', (type) => unhandled.push(type));
    const first = nextMessage(adaRoom, 'counter');
    adaRoom.send('addEach', [1, 2]);
    expect((await first).data).toEqual({ count: 1 });
    // Past the turn that delivered both: the second came before this wait, which waits for the next.
    await serverCaughtUp(ada);
    const later = nextMessage(adaRoom, 'counter');
    adaRoom.send('add', { by: 4 });
    expect((await later).data).toEqual({ count: 7 });
    // Nothing waits any more: the app's catch-all hears the type again.
    await serverCaughtUp(ada);
    adaRoom.send('add', { by: 1 });
    await eventually(() => unhandled.includes('counter'), "the catch-all to get 'counter'");
  });

  it('rejects a wait for a message that does not come, naming the type, the room and the wait', async () => {
    const { adaRoom } = await twoPlayers();
    const waited = nextMessage(adaRoom, 'never', { timeoutMs: 100 });
    await expect(waited).rejects.toThrow(WaitTimeoutError);
    await expect(waited).rejects.toThrow(
      `timed out after 100 ms waiting for a 'never' message in room ${adaRoom.roomId}`,
    );
    // The wait let go of its handler: the room's catch-all hears the type again.
    const unhandled: string[] = [];
    adaRoom.onMessage('*', (type) => unhandled.push(type));
    game?.room<Counter>(adaRoom.roomId).broadcast('never', null);
    await eventually(() => unhandled.includes('never'), "the catch-all to get 'never'");
  });

  it("waits until the server has handled a client's messages, those held back by the send rate included", async () => {
    const { game, ada, adaRoom } = await twoPlayers();
    // Past the session's burst (240 a second, the client keeping under 90% of it): some are held back
    // by the client and written later, behind which the kit's ping must go.
    for (let sent = 0; sent < 300; sent++) adaRoom.send('bump');
    await serverCaughtUp(ada);
    expect(game.room<Counter>(adaRoom.roomId).total).toBe(300);
  });

  it('answers many waits on one client at once, right behind a burst: none is left hanging', async () => {
    const { game, ada, adaRoom } = await twoPlayers();
    for (let sent = 0; sent < 300; sent++) adaRoom.send('bump');
    // As many waits as the burst's messages: a ping each went past the server's rate, which dropped some.
    await Promise.all(Array.from({ length: 300 }, () => serverCaughtUp(ada)));
    expect(game.room<Counter>(adaRoom.roomId).total).toBe(300);
  });

  it('makes a Node client of any URL (a server the test started itself), which the test closes', async () => {
    game = await startTestGame({ counter: Counter });
    const own = testClient(game.wsUrl);
    try {
      await own.connect();
      const room = await own.create<ToClient, ToServer>('counter');
      room.send('bump');
      await serverCaughtUp(own);
      expect(game.room<Counter>(room.roomId).total).toBe(1);
    } finally {
      await own.close({ flushMs: 0 });
    }
  });

  it('refuses to wait for the server on a client that is not connected', async () => {
    game = await startTestGame({ counter: Counter });
    const idle = game.client();
    await expect(serverCaughtUp(idle)).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
  });

  it('names what a condition was awaited for when it does not come', async () => {
    await expect(eventually(() => false, 'the moon', 50)).rejects.toThrow(
      'timed out after 50 ms waiting for the moon',
    );
  });

  it("gives the server's room object, and a clear error for a room it does not host", async () => {
    const { game, adaRoom } = await twoPlayers();
    expect(game.room<Counter>(adaRoom.roomId)).toBeInstanceOf(Counter);
    expect(() => game.room('no-such-room')).toThrow("no room no-such-room on this test game's server");
  });

  it('closes its clients and its server in one call, and makes no client after', async () => {
    const { game, ada, bob } = await twoPlayers();
    await game.close();
    expect([ada.state, bob.state]).toEqual(['closed', 'closed']);
    await expect(fetch(game.httpUrl)).rejects.toThrow();
    await game.close(); // again: nothing left to do
    expect(() => game.client()).toThrow('this test game is closed');
  });
});
