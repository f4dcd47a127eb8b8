import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { settledCollection } from '../support/garbage.js';
import { connectedClient, eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * A server runs for days while players come and go: nothing of a session that ended may stay reachable
 * while others play on. Each test holds weak references to what the server kept for players whose
 * sessions ended (their server link, reachable from the room's RoomClient), keeps one other player
 * connected, collects garbage and checks that those are gone.
 */

class Lobby extends Room {
  static readonly links: WeakRef<object>[] = [];
  override onJoin(client: RoomClient): void {
    Lobby.links.push(new WeakRef(client.link));
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  Lobby.links.length = 0;
});

describe('ended sessions', () => {
  it('are collected while another player stays connected', async () => {
    const server = await startServer({ lobby: Lobby });
    t = server;
    // The first session is the one whose arrival started the server links' once-a-second quality sampling.
    const leavers = [];
    for (let index = 0; index < 3; index++) {
      const client = await connectedClient(server);
      await client.quickPlay('lobby');
      leavers.push(client);
    }
    const stayer = await connectedClient(server);
    await stayer.quickPlay('lobby');
    for (const client of leavers) await client.close();
    await eventually(() => server.server.sessionCount === 1, 'the leavers sessions ended');
    // The sampling forgets a closed link at its next round, at most a second later.
    await sleep(1_500);
    await settledCollection();
    const kept = Lobby.links.slice(0, leavers.length).filter((link) => link.deref() !== undefined);
    expect(kept.length).toBe(0);
    expect(stayer.state).toBe('open');
  });
});
