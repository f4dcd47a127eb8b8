import * as v from 'valibot';
import { type Client, SyncedState } from 'vehikill-net/client';
import { type Channel, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int, quantizeState, type StateOf } from 'vehikill-net/sync';
import {
  nextSnapshot,
  serverCaughtUp,
  startTestGame,
  type TestGame,
  WaitTimeoutError,
} from 'vehikill-net/testing';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * vehikill-net/testing for a room with synced state, written as an app's own test would be, with the
 * documented API only: a board whose players each move a token by messages; the test waits for the server
 * to have handled a move, then for the client's next snapshot, and reads the decoded state.
 */

const Token = entity('token', {
  x: int({ min: -100, max: 100 }),
  y: int({ min: -100, max: 100 }),
});
const types = [Token] as const;
type TokenState = StateOf<typeof Token>;

/**
 * Each player's token, spawned at the origin as they join. `move` steps it at once, in the handler;
 * `glide` sets a goal on x that the token nears by one step a tick, as a room applying inputs at its tick.
 */
class Board extends Room {
  sync!: RoomSync<RoomClient, typeof types>;
  /** The server's state of each player's token, by player id: the simulation holds quantized state. */
  readonly tokens = new Map<string, { id: number; state: TokenState; goalX?: number }>();
  tick = 0;

  override onCreate(): void {
    this.sync = new RoomSync(this, { types, rateHz: 20 });
    this.clock.setInterval(() => {
      for (const token of this.tokens.values()) this.#glide(token);
      this.sync.flush(++this.tick);
    }, 1000 / 20);
    this.onMessage('move', v.object({ dx: v.number(), dy: v.number() }), (client, { dx, dy }) => {
      const token = this.tokens.get(client.playerId);
      if (token === undefined) return;
      token.state = quantizeState(Token, { x: token.state.x + dx, y: token.state.y + dy });
      this.sync.world.update(token.id, Token, token.state);
    });
    this.onMessage('glide', v.object({ x: v.number() }), (client, { x }) => {
      const token = this.tokens.get(client.playerId);
      if (token !== undefined) token.goalX = x;
    });
    // Told on request, so that a client knows which entity is its own.
    this.onMessage('whoami', v.undefined(), (client) => {
      client.send('token', { id: this.tokens.get(client.playerId)?.id ?? -1 });
    });
  }

  #glide(token: { id: number; state: TokenState; goalX?: number }): void {
    if (token.goalX === undefined || token.goalX === token.state.x) return;
    const x = token.state.x + Math.sign(token.goalX - token.state.x);
    token.state = quantizeState(Token, { ...token.state, x });
    this.sync.world.update(token.id, Token, token.state);
  }

  override onJoin(client: RoomClient): void {
    const state = quantizeState(Token, { x: 0, y: 0 });
    this.tokens.set(client.playerId, { id: this.sync.world.spawn(Token, state), state });
  }

  override onLeave(client: RoomClient): void {
    const token = this.tokens.get(client.playerId);
    if (token !== undefined) this.sync.world.remove(token.id);
    this.tokens.delete(client.playerId);
  }

  // Acks come back only through `receive`: without it every member stalls (docs/sync.md, Acks).
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

type ToClient = { token: { id: number } };
type ToServer = { move: { dx: number; dy: number }; glide: { x: number }; whoami: undefined };

let game: TestGame | undefined;
afterEach(async () => {
  await game?.close();
  game = undefined;
});

/** A connected client with its synced state, made before it joins so that it takes the room's first snapshot. */
async function player(game: TestGame): Promise<{ client: Client; state: SyncedState<typeof types> }> {
  const client = game.client();
  await client.connect();
  return { client, state: new SyncedState(client.serverLink, { types }) };
}

describe('vehikill-net/testing with synced state', () => {
  it("shows a player's move in the client's next snapshot once the server has handled it", async () => {
    game = await startTestGame({ board: Board });
    const ada = await player(game);
    const room = await ada.client.create<ToClient, ToServer>('board');
    const board = game.room<Board>(room.roomId);
    const id = board.tokens.get(ada.client.playerId ?? '')?.id ?? -1;
    await nextSnapshot(ada.state, { until: (state) => state.get(id, Token) !== undefined });

    room.send('move', { dx: 3, dy: -2 });
    room.send('move', { dx: 1, dy: 0 });
    await serverCaughtUp(ada.client);
    expect(board.tokens.get(ada.client.playerId ?? '')?.state).toEqual({ x: 4, y: -2 });
    const snapshot = await nextSnapshot(ada.state);
    expect(snapshot.complete).toBe(true);
    expect(ada.state.get(id, Token)?.state).toEqual({ x: 4, y: -2 });
  });

  it("shows each player the other's token where the server has it", async () => {
    game = await startTestGame({ board: Board });
    const ada = await player(game);
    const bob = await player(game);
    const adaRoom = await ada.client.create<ToClient, ToServer>('board');
    await bob.client.join<ToClient, ToServer>(adaRoom.roomId);
    await nextSnapshot(ada.state, { until: (state) => state.size === 2 });

    adaRoom.send('move', { dx: -5, dy: 7 });
    await serverCaughtUp(ada.client);
    const adaToken = game.room<Board>(adaRoom.roomId).tokens.get(ada.client.playerId ?? '')?.id ?? -1;
    // Bob's snapshots come on his own socket, in no order with Ada's answer: his own answer, which the
    // server writes after the move, comes behind every snapshot to him that was written before it.
    await serverCaughtUp(bob.client);
    await nextSnapshot(bob.state);
    expect(bob.state.get(adaToken, Token)?.state).toEqual({ x: -5, y: 7 });
  });

  it('waits until the state holds what the test expects, for a room that moves at its own tick', async () => {
    game = await startTestGame({ board: Board });
    const ada = await player(game);
    const room = await ada.client.create<ToClient, ToServer>('board');
    const told = new Promise<number>((resolve) => room.onMessage('token', ({ id }) => resolve(id)));
    room.send('whoami');
    const id = await told;
    room.send('glide', { x: 5 });
    // Handled is not there yet: the token is one step further at each tick, five snapshots at least.
    await serverCaughtUp(ada.client);
    await nextSnapshot(ada.state, { until: (state) => state.get(id, Token)?.state.x === 5 });
    expect(ada.state.get(id, Token)?.state).toEqual({ x: 5, y: 0 });
  });

  it('names the wait and how many snapshots came when the state does not get there', async () => {
    game = await startTestGame({ board: Board });
    const ada = await player(game);
    // In no room: no snapshot comes.
    const none = nextSnapshot(ada.state, { timeoutMs: 100 });
    await expect(none).rejects.toThrow(WaitTimeoutError);
    await expect(none).rejects.toThrow(
      'timed out after 100 ms waiting for the next snapshot (the state applied 0 meanwhile)',
    );
    // In a room whose snapshots come, but never with what the test waits for.
    await ada.client.create<ToClient, ToServer>('board');
    // Long enough for the first snapshots to come on a loaded machine (the message counts them).
    await expect(nextSnapshot(ada.state, { until: () => false, timeoutMs: 1_500 })).rejects.toThrow(
      /waiting for a snapshot after which `until` holds \(the state applied [1-9]\d* meanwhile\)/,
    );
  });

  it('passes on what the test’s own condition throws', async () => {
    game = await startTestGame({ board: Board });
    const ada = await player(game);
    await ada.client.create<ToClient, ToServer>('board');
    const broken = nextSnapshot(ada.state, {
      until: () => {
        throw new Error('the test’s own bug');
      },
    });
    await expect(broken).rejects.toThrow('the test’s own bug');
  });

  it('refuses a condition that is not a function, and a timeout that is not a time', async () => {
    game = await startTestGame({ board: Board });
    const { state } = await player(game);
    expect(() => nextSnapshot(state, { until: true as never })).toThrow(TypeError);
    expect(() => nextSnapshot(state, { timeoutMs: Number.NaN })).toThrow(RangeError);
  });
});
