import * as v from 'valibot';
import { Client, ErrorCode } from 'vehikill-net/client';
import { Room, type RoomClient } from 'vehikill-net/server';
import {
  dropConnection,
  eventually,
  serverCaughtUp,
  startTestGame,
  type TestGame,
  testClient,
} from 'vehikill-net/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

/**
 * `dropConnection` in vehikill-net/testing, used as an app's tests use it: a player's network fails in the
 * middle of a game, and the test checks what the session and the room keep across it.
 */

/** A chat that logs what its hooks hear, in order, as the server saw it. */
class Chat extends Room {
  readonly log: string[] = [];

  override onCreate(): void {
    this.onMessage('say', v.object({ text: v.string() }), (client, { text }) => {
      this.log.push(`${client.name} said ${text}`);
      this.broadcast('said', { from: client.name, text });
    });
  }

  override onAway(client: RoomClient): void {
    this.log.push(`${client.name} away`);
  }

  override onResume(client: RoomClient): void {
    this.log.push(`${client.name} back`);
  }

  override onLeave(client: RoomClient, reason: string): void {
    this.log.push(`${client.name} left ${reason}`);
  }
}
type ToClient = { said: { from: string; text: string } };
type ToServer = { say: { text: string } };

/**
 * Reconnect options that keep a dropped client away for at least `ms` (a backoff with no jitter to speak
 * of): the client's own options, so that the room goes on without the player for that long.
 */
function awayFor(ms: number) {
  return { backoff: { baseMs: ms, maxMs: ms }, random: () => 0.999 };
}

let game: TestGame | undefined;
afterEach(async () => {
  await game?.close();
  game = undefined;
});

describe('dropConnection', () => {
  it('drops a player in a room, who resumes the same seat and gets what was sent meanwhile', async () => {
    game = await startTestGame({ chat: Chat });
    const ada = game.client({ name: 'Ada' });
    // Away long enough for the room to see him go and for Ada's line to be sent meanwhile, on a loaded
    // machine too: with 300 ms, a late event loop could bring Bob back before the line went.
    const bob = game.client({ name: 'Bob', ...awayFor(1_500) });
    await Promise.all([ada.connect(), bob.connect()]);
    const adaRoom = await ada.create<ToClient, ToServer>('chat');
    const bobRoom = await bob.join<ToClient, ToServer>(adaRoom.roomId);
    const bobId = bob.playerId;
    const chat = game.room<Chat>(adaRoom.roomId);
    const presence: string[] = [];
    adaRoom.on('member-away', ({ playerId }) => presence.push(`away ${playerId}`));
    adaRoom.on('member-back', ({ playerId }) => presence.push(`back ${playerId}`));
    const heard: string[] = [];
    bobRoom.onMessage('said', ({ text }) => heard.push(text));
    const adaHeard: string[] = [];
    adaRoom.onMessage('said', ({ from, text }) => adaHeard.push(`${from}: ${text}`));

    const dropCodes: number[] = [];
    bob.on('drop', ({ code }) => dropCodes.push(code));
    const back = new Promise<{ resumed: boolean }>((resolve) => bob.on('reconnect', resolve));
    dropConnection(bob);
    await eventually(() => chat.log.includes('Bob away'), 'the room to see Bob away', 5_000);
    adaRoom.send('say', { text: 'while you were out' }); // reliable: kept for Bob
    await serverCaughtUp(ada);

    expect((await back).resumed).toBe(true);
    // An abnormal close (1006, no close frame) as a network failure gives, not a clean one.
    expect(dropCodes).toEqual([1006]);
    expect(bob.playerId).toBe(bobId);
    expect(bob.room).toBe(bobRoom);
    await eventually(() => heard.length === 1, 'Bob to hear the line sent while he was away', 5_000);
    expect(heard).toEqual(['while you were out']);
    await eventually(() => chat.log.includes('Bob back'), 'the room to see Bob back', 5_000);
    // A drop, not a goodbye: away and back, never a leave.
    expect(chat.log).toEqual(['Bob away', 'Ada said while you were out', 'Bob back']);
    await eventually(() => presence.length === 2, 'member-away then member-back', 5_000);
    expect(presence).toEqual([`away ${bobId}`, `back ${bobId}`]);

    // The session goes on after it, both ways.
    bobRoom.send('say', { text: 'I am back' });
    await eventually(() => adaHeard.length === 2, 'Ada to hear Bob once he is back', 5_000);
    expect(adaHeard).toEqual(['Ada: while you were out', 'Bob: I am back']);
  });

  it('drops a player kept away past graceMs: their seat is gone and they come back as a new session', async () => {
    game = await startTestGame({ chat: Chat }, { graceMs: 200 });
    const ada = game.client({ name: 'Ada' });
    const bob = game.client({ name: 'Bob', ...awayFor(1_000) });
    await Promise.all([ada.connect(), bob.connect()]);
    const adaRoom = await ada.create<ToClient, ToServer>('chat');
    await bob.join(adaRoom.roomId);
    const bobId = bob.playerId;
    const chat = game.room<Chat>(adaRoom.roomId);

    const back = new Promise<{ resumed: boolean }>((resolve) => bob.on('reconnect', resolve));
    dropConnection(bob);
    expect((await back).resumed).toBe(false);
    expect(bob.playerId).not.toBe(bobId);
    expect(bob.room).toBeUndefined();
    expect(chat.log).toEqual(['Bob away', `Bob left ${ErrorCode.SESSION_EXPIRED}`]);
    expect(adaRoom.members.map((member) => member.playerId)).not.toContain(bobId);
  });

  it('throws NOT_CONNECTED for a client that is not open', async () => {
    game = await startTestGame({ chat: Chat });
    const idle = game.client();
    expect(() => dropConnection(idle)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_CONNECTED }));
    await idle.connect();
    await idle.close();
    expect(() => dropConnection(idle)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_CONNECTED }));
  });

  it('throws NOT_CONNECTED, saying why, for a connection it dropped just now; the client still comes back', async () => {
    game = await startTestGame({ chat: Chat });
    const ada = game.client();
    await ada.connect();
    const back = new Promise<{ resumed: boolean }>((resolve) => ada.on('reconnect', resolve));
    dropConnection(ada);
    // The client reads 'open' until it hears of the drop; the socket is closing already.
    expect(() => dropConnection(ada)).toThrow(
      expect.objectContaining({
        code: ErrorCode.NOT_CONNECTED,
        message: expect.stringMatching(/closing already/),
      }),
    );
    expect((await back).resumed).toBe(true);
  });

  it("takes client options passed on as undefined as not given: the game's url, the kit's WebSocket", async () => {
    game = await startTestGame({ chat: Chat });
    // As a test's helper passes on what it was not given.
    const ada = game.client({ name: 'Ada', url: undefined, WebSocket: undefined, backoff: undefined });
    await ada.connect();
    const back = new Promise<{ resumed: boolean }>((resolve) => ada.on('reconnect', resolve));
    dropConnection(ada);
    expect((await back).resumed).toBe(true);
  });

  it('throws a TypeError for a client whose socket the kit does not make', async () => {
    game = await startTestGame({ chat: Chat });
    const own = game.client({ WebSocket }); // the test's own WebSocket wins over the kit's
    const plain = new Client({ url: game.wsUrl, WebSocket });
    try {
      await Promise.all([own.connect(), plain.connect()]);
      expect(() => dropConnection(own)).toThrow(TypeError);
      expect(() => dropConnection(plain)).toThrow(/made by vehikill-net\/testing/);
      expect(own.state).toBe('open');
    } finally {
      await plain.close();
    }
  });

  it('drops the socket a testClient has now, after a reconnect too', async () => {
    game = await startTestGame({ chat: Chat });
    const solo = testClient(game.wsUrl, { name: 'Solo' });
    try {
      await solo.connect();
      const room = await solo.create<ToClient, ToServer>('chat');
      for (let drop = 0; drop < 2; drop++) {
        const back = new Promise<{ resumed: boolean }>((resolve) => solo.on('reconnect', resolve));
        dropConnection(solo);
        expect((await back).resumed).toBe(true);
      }
      expect(game.room<Chat>(room.roomId).log).toEqual(['Solo away', 'Solo back', 'Solo away', 'Solo back']);
    } finally {
      await solo.close();
    }
  });
});
