import * as v from 'valibot';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * `client.data`: the app's data for a player's session (socket.io's `socket.data`, Colyseus's
 * `client.userData`), the same object in every room the player sits in on this node and in the session
 * events, kept across reconnects and takeovers, and a new one for each new session.
 */

/** Puts the player in a team on joining, once; answers 'data?' with what the player's data holds. */
class Lobby extends Room {
  override onCreate(): void {
    this.onMessage('data?', v.undefined(), (client) => ({ ...client.data }));
    this.onMessage('score', v.number(), (client, points) => {
      client.data.score = ((client.data.score as number | undefined) ?? 0) + points;
    });
  }
  override onJoin(client: RoomClient): void {
    client.data.team ??= 'red';
  }
}
class Arena extends Lobby {}

let t: TestServer | undefined;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  await t?.close();
  t = undefined;
});

describe('client.data', () => {
  it("is the session's own: set in one room, read in the next, and in the session events", async () => {
    t = await startServer({ lobby: Lobby, arena: Arena });
    const begun: Array<Record<string, unknown>> = [];
    t.server.on('session-begin', ({ data }) => {
      data.loggedInAt = 1_700_000_000_000;
      begun.push(data);
    });
    const ended: Array<Record<string, unknown>> = [];
    t.server.on('session-end', ({ data }) => ended.push({ ...data }));

    const ada = t.client();
    await ada.connect();
    const lobby = await ada.create('lobby');
    lobby.send('score', 3);
    expect(await lobby.request('data?')).toEqual({ loggedInAt: 1_700_000_000_000, team: 'red', score: 3 });
    await lobby.leave();
    const arena = await ada.create('arena');
    arena.send('score', 4);
    expect(await arena.request('data?')).toEqual({ loggedInAt: 1_700_000_000_000, team: 'red', score: 7 });

    // Another session, of the same user or not, starts with its own.
    const bob = t.client();
    await bob.connect();
    const bobs = await bob.create('lobby');
    expect(await bobs.request('data?')).toEqual({ loggedInAt: 1_700_000_000_000, team: 'red' });
    expect(begun).toHaveLength(2);
    expect(begun[0]).not.toBe(begun[1]);

    ada.close();
    await eventually(() => ended.length === 1, 'the end of her session');
    expect(ended[0]).toEqual({ loggedInAt: 1_700_000_000_000, team: 'red', score: 7 });
  });

  it("starts as a copy of the authenticator's identity.data (Colyseus's client.auth)", async () => {
    const claims = { role: 'admin', level: 12 };
    t = await startServer(
      { lobby: Lobby },
      {
        authenticator: {
          authenticate: async (_request, token) => ({
            ok: true,
            identity: { userId: String(token), name: 'Ada', data: claims },
          }),
        },
      },
    );
    const ada = t.client({ token: 'u1' });
    await ada.connect();
    const room = await ada.create('lobby');
    expect(await room.request('data?')).toEqual({ role: 'admin', level: 12, team: 'red' });
    // A copy: the room's writes stay the session's.
    expect(claims).toEqual({ role: 'admin', level: 12 });
  });

  it('is kept across a dropped socket and across a takeover by a new client', async () => {
    t = await startServer({ lobby: Lobby }, { graceMs: 10_000 });
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    proxies.push(proxy);
    const ada = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await ada.connect();
    const room = await ada.create('lobby');
    room.send('score', 5);
    expect(await room.request('data?')).toMatchObject({ score: 5 });

    const reconnected = new Promise((resolve) => ada.on('reconnect', resolve));
    proxy.dropAll();
    await reconnected;
    room.send('score', 1);
    expect(await room.request('data?')).toEqual({ team: 'red', score: 6 });

    // A reloaded page takes the session over with its resume token: the same data.
    const token = ada.resumeToken as string;
    proxy.block();
    const reloaded = t.client({ resumeToken: token });
    await reloaded.connect();
    expect(reloaded.playerId).toBe(ada.playerId);
    const back = await reloaded.create('lobby');
    expect(await back.request('data?')).toEqual({ team: 'red', score: 6 });
  });
});
