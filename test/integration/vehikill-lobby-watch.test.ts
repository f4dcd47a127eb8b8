import type { RoomInfo } from 'vehikill-net/client';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LobbyWatch } from '../../game/web/lobby/lobby-watch.js';
import { eventually } from '../support/server.js';
import { tcpOnly, VehikillPlayers } from '../support/vehikill.js';

/*
 * The lobby asks for the live list again whenever something may have changed it: the player is back from
 * a match, the session reconnected, a join failed. Two such refreshes can be on their way at once (a
 * lost seat is both a match left and a new session). The server keeps one watch per session and an
 * unwatch names none, so stopping the older, outdated answer's watch ends the newer one on the server:
 * the list would stand still while looking live.
 */
/**
 * A `ws` WebSocket that hands each message to its `onmessage` in a task of its own, as browsers do (ws
 * hands a chunk's messages over in one), so that promises settled by one message run before the next.
 */
class TaskPerMessage extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    const own = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
    let handler: WebSocket['onmessage'] = null;
    Object.defineProperty(this, 'onmessage', {
      get: () => handler,
      set: (next: WebSocket['onmessage']) => {
        handler = next;
        own?.set?.call(
          this,
          next ? (event: WebSocket.MessageEvent) => setImmediate(() => next.call(this, event)) : null,
        );
      },
    });
  }
}

describe("the Vehikill lobby's live list", () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('stays live after two refreshes at once', async () => {
    const server = await players.start({ quickPlayBots: 0 });
    const client = server.client({ name: 'lobby', ...tcpOnly, WebSocket: TaskPerMessage });
    players.onClose(() => void client.close({ flushMs: 0 }));
    await client.connect();
    let shown: readonly RoomInfo[] = [];
    const lobby = new LobbyWatch(
      () => client,
      30,
      (rooms) => {
        shown = rooms;
      },
    );
    await Promise.all([lobby.refresh(), lobby.refresh()]);
    expect(shown).toEqual([]);
    // And into a match and straight back out, before the first answer came.
    const again = lobby.refresh();
    lobby.stop();
    await Promise.all([again, lobby.refresh()]);

    const host = players.player('host');
    await host.quickPlay();
    await eventually(
      () => shown.some((room) => room.roomId === host.room?.roomId),
      'the new match in the list',
      10_000,
    );
  });

  it('stops following when stopped while its answer is on its way', async () => {
    const server = await players.start({ quickPlayBots: 0 });
    const client = server.client({ name: 'watcher', ...tcpOnly, WebSocket: TaskPerMessage });
    players.onClose(() => void client.close({ flushMs: 0 }));
    await client.connect();
    let lists = 0;
    const lobby = new LobbyWatch(
      () => client,
      30,
      () => {
        lists++;
      },
    );
    const answered = lobby.refresh();
    lobby.stop();
    await answered;
    // Its unwatch on its way too.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = lists;
    const host = players.player('host-2');
    await host.quickPlay();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lists).toBe(before);
  });
});
