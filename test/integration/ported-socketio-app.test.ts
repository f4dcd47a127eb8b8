import { createServer, type Server, Socket } from 'node:net';
import * as v from 'valibot';
import { type Client, ErrorCode, RoomRequestError } from 'vehikill-net/client';
import { Room, type RoomClient, RoomError } from 'vehikill-net/server';
import { eventually, nextMessage, startTestGame, type TestGame } from 'vehikill-net/testing';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * A small socket.io chat app, ported with nothing but the docs (docs/from-socketio.md, server.md, client.md)
 * and the public entry points, as an app's own test would be: named rooms joined with a display name,
 * messages to the room and to one player, volatile typing indicators, an acknowledged request with a
 * timeout and a refusal, join and leave notices that a short drop does not trigger, and the server-wide
 * hook of sessions beginning and ending (socket.io's `io.on('connection')`).
 *
 * The socket.io original, for the record:
 *   io.on('connection', (socket) => {
 *     socket.on('join', ({ room, name }) => { socket.join(room); socket.data.name = name;
 *       socket.to(room).emit('joined', { name }); });
 *     socket.on('say', (text) => io.to(room).emit('said', { from: socket.data.name, text }));
 *     socket.on('whisper', ({ to, text }) => io.to(to).emit('whispered', { from: socket.id, text }));
 *     socket.on('typing', () => socket.volatile.to(room).emit('typing', { name }));
 *     socket.on('roll', ({ sides }, ack) => ack(1 + Math.floor(Math.random() * sides)));
 *     socket.on('disconnect', () => socket.to(room).emit('left', { name }));
 *   });
 */

/** What the room sends its players. */
type ToClient = {
  said: { from: string; text: string };
  whispered: { from: string; text: string };
  typing: { playerId: string };
  joined: { playerId: string; name: string };
  gone: { playerId: string; name: string; reason: string };
};
/** What players send the room. */
type ToServer = {
  say: { text: string };
  whisper: { to: string; text: string };
  typing: undefined;
  roll: { sides: number };
  ponder: undefined;
};
/** The answers of the requests (socket.io's acks). */
type Replies = { roll: number; whisper: { delivered: true } };

/** One named chat room ("lobby", "match-1", ...): socket.io's `socket.join(name)`. */
class ChatRoom extends Room {
  /** Requests held open on purpose, to show the client's timeout; let go when the test ends. */
  readonly pondering: Array<() => void> = [];

  override onCreate(): void {
    // `socket.on('say', ...)` then `io.to(room).emit(...)`: everyone in the room, the sender too.
    this.onMessage(
      'say',
      v.object({ text: v.pipe(v.string(), v.minLength(1), v.maxLength(500)) }),
      (client, { text }) => this.broadcast('said', { from: client.name, text }),
    );
    // `io.to(socketId).emit(...)`: one player, found among the room's members by its id.
    this.onMessage('whisper', v.object({ to: v.string(), text: v.string() }), (client, { to, text }) => {
      const target = this.clients.find((member) => member.playerId === to);
      if (!target) throw new RoomError('NO_SUCH_PLAYER', `no player ${to} in this room`);
      target.send('whispered', { from: client.name, text });
      return { delivered: true } as const;
    });
    // `socket.volatile.to(room).emit('typing')`: may be dropped, never replayed.
    this.onMessage('typing', v.undefined(), (client) =>
      this.broadcast('typing', { playerId: client.playerId }, { class: 'volatile', except: client }),
    );
    // `socket.on('roll', (data, ack) => ack(n))`: the handler's value is the answer.
    this.onMessage('roll', v.object({ sides: v.number() }), (_client, { sides }) => {
      if (!Number.isInteger(sides) || sides < 2 || sides > 100)
        throw new RoomError('BAD_DIE', `a die has 2 to 100 sides, not ${sides}`);
      return 1 + Math.floor(Math.random() * sides);
    });
    // A request the room is slow to answer, so that the client's timeout has something to time out.
    this.onMessage(
      'ponder',
      v.undefined(),
      () => new Promise<void>((resolve) => this.pondering.push(resolve)),
    );
  }

  override onJoin(client: RoomClient): void {
    this.broadcast('joined', { playerId: client.playerId, name: client.name }, { except: client });
  }

  // A dropped socket is `onAway`, not a leave: the seat is held, and no one is told the player left.
  override onLeave(client: RoomClient, reason: string): void {
    this.broadcast('gone', { playerId: client.playerId, name: client.name, reason });
  }

  override onDispose(): void {
    for (const resolve of this.pondering.splice(0)) resolve();
  }
}

/**
 * A TCP relay between a client and the game, which the test can cut (a network drop) and close to new
 * connections (the player's network gone for good). The kit's `dropConnection` cuts a socket too, but its
 * client reconnects at once: the relay also keeps Bob out for as long as the test says.
 */
class CuttableRelay {
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  #refusing = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async to(port: number): Promise<CuttableRelay> {
    const server = createServer();
    const relay = new CuttableRelay(server);
    server.on('connection', (inbound) => relay.#pipe(inbound, port));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get wsUrl(): string {
    const address = this.#server.address();
    if (!address || typeof address === 'string') throw new Error('the relay is not listening');
    return `ws://127.0.0.1:${address.port}/ws`;
  }

  #pipe(inbound: Socket, port: number): void {
    if (this.#refusing) return void inbound.destroy();
    const outbound = new Socket();
    for (const socket of [inbound, outbound]) {
      this.#sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.#sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    outbound.connect(port, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
  }

  /** Cuts every connection through it, as a network drop does; new ones pass unless `refuseNew`. */
  cut({ refuseNew = false } = {}): void {
    this.#refusing = refuseNew;
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cut({ refuseNew: true });
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

let game: TestGame | undefined;
let relay: CuttableRelay | undefined;
afterEach(async () => {
  await game?.close();
  await relay?.close();
  game = relay = undefined;
});

/** `socket.emit('join', { room, name })`: a room by name, made by the first player to ask for it. */
function joinChat(client: Client, name: string) {
  return client.quickPlay<ToClient, ToServer, Replies>('chat', { filter: { name } });
}

/** Connected clients of the game, by display name. */
async function players(...names: string[]): Promise<Client[]> {
  if (!game) throw new Error('start the game first');
  const started = game;
  const clients = names.map((name) => started.client({ name }));
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

describe('a socket.io chat app, ported', () => {
  it('keeps named rooms apart and tells the room who joins, what is said and who is typing', async () => {
    game = await startTestGame({ chat: ChatRoom });
    const [ada, bob, cyd] = await players('Ada', 'Bob', 'Cyd');
    if (!ada || !bob || !cyd) throw new Error('three players');
    const adaLobby = await joinChat(ada, 'lobby');
    const bobJoined = nextMessage(adaLobby, 'joined');
    const bobLobby = await joinChat(bob, 'lobby');
    expect((await bobJoined).data).toEqual({ playerId: bob.playerId, name: 'Bob' });
    const cydMatch = await joinChat(cyd, 'match-1');
    expect(bobLobby.roomId).toBe(adaLobby.roomId);
    expect(cydMatch.roomId).not.toBe(adaLobby.roomId);
    expect(cydMatch.info.metadata).toEqual({ name: 'match-1' });

    const cydHeard: string[] = [];
    cydMatch.onMessage('said', ({ text }) => cydHeard.push(text));
    const toBob = nextMessage(bobLobby, 'said');
    const toAda = nextMessage(adaLobby, 'said');
    adaLobby.send('say', { text: 'hi lobby' });
    expect((await toBob).data).toEqual({ from: 'Ada', text: 'hi lobby' });
    expect((await toAda).data).toEqual({ from: 'Ada', text: 'hi lobby' }); // io.to(room): the sender too

    const typing = nextMessage(adaLobby, 'typing');
    bobLobby.send('typing', undefined, { class: 'volatile' });
    expect((await typing).data).toEqual({ playerId: bob.playerId });

    // What the match room says is all its own: it heard nothing of the lobby's.
    const matchSaid = nextMessage(cydMatch, 'said');
    cydMatch.send('say', { text: 'gg' });
    expect((await matchSaid).data.text).toBe('gg');
    expect(cydHeard).toEqual(['gg']);
  });

  it('whispers to one player only, and refuses a whisper to no one with its own code', async () => {
    game = await startTestGame({ chat: ChatRoom });
    const [ada, bob, cyd] = await players('Ada', 'Bob', 'Cyd');
    if (!ada || !bob || !cyd) throw new Error('three players');
    const rooms = [await joinChat(ada, 'lobby'), await joinChat(bob, 'lobby'), await joinChat(cyd, 'lobby')];
    const [adaRoom, bobRoom, cydRoom] = rooms;
    if (!adaRoom || !bobRoom || !cydRoom || !bob.playerId) throw new Error('three rooms');
    const cydWhispers: string[] = [];
    cydRoom.onMessage('whispered', ({ text }) => cydWhispers.push(text));
    const whisper = nextMessage(bobRoom, 'whispered');
    await expect(adaRoom.request('whisper', { to: bob.playerId, text: 'psst' })).resolves.toEqual({
      delivered: true,
    });
    expect((await whisper).data).toEqual({ from: 'Ada', text: 'psst' });
    // Cyd's room saw every message up to now once Cyd's own request is answered: no whisper came.
    await cydRoom.request('roll', { sides: 6 });
    expect(cydWhispers).toEqual([]);

    const refused = await adaRoom
      .request('whisper', { to: 'nobody', text: 'hello?' })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(RoomRequestError);
    expect(refused).toMatchObject({ code: ErrorCode.REQUEST_FAILED, reason: 'NO_SUCH_PLAYER' });
  });

  it('answers a request (emitWithAck), refuses a bad one with its code and times out a slow one', async () => {
    game = await startTestGame({ chat: ChatRoom });
    const [ada] = await players('Ada');
    if (!ada) throw new Error('one player');
    const room = await joinChat(ada, 'lobby');

    const rolls = await Promise.all(Array.from({ length: 20 }, () => room.request('roll', { sides: 6 })));
    for (const roll of rolls) expect(roll >= 1 && roll <= 6 && Number.isInteger(roll)).toBe(true);

    // The room's own refusal: REQUEST_FAILED with its reason and words.
    const badDie = await room.request('roll', { sides: 1 }).catch((error) => error);
    expect(badDie).toBeInstanceOf(RoomRequestError);
    expect(badDie).toMatchObject({ code: ErrorCode.REQUEST_FAILED, reason: 'BAD_DIE' });
    expect(badDie.message).toContain('2 to 100 sides');
    // Data its schema refuses never reaches the handler.
    const notANumber = await room
      .request('roll', { sides: 'six' } as unknown as { sides: number })
      .catch((error) => error);
    expect(notANumber).toMatchObject({ code: ErrorCode.INVALID_MESSAGE });
    // socket.timeout(1000).emitWithAck(...): no answer in time.
    const slow = await room.request('ponder', undefined, { timeoutMs: 1_000 }).catch((error) => error);
    expect(slow).toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    // A player's mistakes refused by the room cost the session nothing, however many (a schema's refusals
    // are faults: the 21st in a burst would close the client with TOO_MANY_ERRORS).
    for (let mistake = 0; mistake < 30; mistake++)
      await expect(room.request('roll', { sides: 0 })).rejects.toMatchObject({ reason: 'BAD_DIE' });
    // The session goes on after all of them.
    await expect(room.request('roll', { sides: 20 })).resolves.toBeGreaterThanOrEqual(1);
  });

  it('keeps a seat across a short drop, telling no one the player left, and tells them once it is gone', async () => {
    game = await startTestGame({ chat: ChatRoom }, { graceMs: 2_000 });
    relay = await CuttableRelay.to(game.port);
    const [ada] = await players('Ada');
    const bob = game.client({ name: 'Bob', url: relay.wsUrl });
    await bob.connect();
    if (!ada) throw new Error('one player');
    const adaRoom = await joinChat(ada, 'lobby');
    // The app's handlers go on at once, as a page's would: a room keeps the messages that come before a
    // handler of their type for the first handler, however late it comes.
    const joined: ToClient['joined'][] = [];
    adaRoom.onMessage('joined', (newcomer) => joined.push(newcomer));
    const gone: ToClient['gone'][] = [];
    adaRoom.onMessage('gone', (left) => gone.push(left));
    const bobRoom = await joinChat(bob, 'lobby');
    const bobId = bob.playerId;
    const presence: string[] = [];
    adaRoom.on('member-away', () => presence.push('away'));
    adaRoom.on('member-back', () => presence.push('back'));

    const bobHeard: string[] = [];
    bobRoom.onMessage('said', ({ text }) => bobHeard.push(text));
    bobRoom.onMessage('typing', () => bobHeard.push('(typing)'));

    // A drop, and Bob's network stays away for a moment: the room goes on without him meanwhile.
    const back = new Promise<{ resumed: boolean }>((resolve) => bob.on('reconnect', resolve));
    relay.cut({ refuseNew: true });
    await eventually(() => presence.includes('away'), 'Bob away', 5_000);
    const adaEcho = nextMessage(adaRoom, 'said');
    adaRoom.send('typing', undefined, { class: 'volatile' });
    adaRoom.send('say', { text: 'while you were away' });
    await adaEcho;
    bobRoom.send('say', { text: 'from the dark' }); // reliable: waits for the resume
    const bobsLine = nextMessage(adaRoom, 'said');
    relay.cut({ refuseNew: false });
    expect((await back).resumed).toBe(true);
    expect(bob.playerId).toBe(bobId);
    expect(bob.room).toBe(bobRoom);
    // Still seated, and nothing reliable lost either way; the volatile typing was not kept for him.
    expect((await bobsLine).data).toEqual({ from: 'Bob', text: 'from the dark' });
    await eventually(() => bobHeard.includes('from the dark'), 'Bob hears his own line', 5_000);
    expect(bobHeard).toEqual(['while you were away', 'from the dark']);
    await eventually(() => presence.length === 2, 'member-away then member-back', 5_000);
    expect(presence).toEqual(['away', 'back']);
    expect(gone).toEqual([]);

    // Bob's network goes for good: once the grace period is over, the room says he left.
    const left = nextMessage(adaRoom, 'gone', { timeoutMs: 10_000 });
    relay.cut({ refuseNew: true });
    expect((await left).data).toEqual({ playerId: bobId, name: 'Bob', reason: ErrorCode.SESSION_EXPIRED });
    expect(adaRoom.members.map((member) => member.playerId)).not.toContain(bobId);

    // Back after that, Bob is not recovered (socket.io's `socket.recovered === false`): a new session, in
    // no room, that joins again and is announced as a newcomer.
    const fresh = new Promise<{ resumed: boolean }>((resolve) => bob.on('reconnect', resolve));
    relay.cut({ refuseNew: false });
    expect((await fresh).resumed).toBe(false);
    expect(bob.playerId).not.toBe(bobId);
    expect(bob.room).toBeUndefined();
    await joinChat(bob, 'lobby');
    await eventually(() => joined.length === 2, 'Bob announced twice', 5_000);
    expect(joined).toEqual([
      { playerId: bobId, name: 'Bob' },
      { playerId: bob.playerId, name: 'Bob' },
    ]);
  });

  it("hears every session begin and end, socket.io's io.on('connection') and 'disconnect'", async () => {
    game = await startTestGame({ chat: ChatRoom });
    const log: string[] = [];
    game.server.on('session-begin', ({ name }) => log.push(`begin ${name}`));
    game.server.on('session-end', ({ name, reason }) => log.push(`end ${name} ${reason}`));
    const [ada, bob] = await players('Ada', 'Bob');
    if (!ada || !bob) throw new Error('two players');
    await joinChat(ada, 'lobby'); // a session in a room and one in none: both are told
    await eventually(() => log.length === 2, 'both sessions begun', 5_000);
    expect(log.sort()).toEqual(['begin Ada', 'begin Bob']);
    await ada.close();
    await bob.close();
    await eventually(() => log.length === 4, 'both sessions ended', 5_000);
    expect(log.slice(2).sort()).toEqual(['end Ada left', 'end Bob left']);
  });
});
