import * as v from 'valibot';
import { Room, type RoomClient } from 'vehikill-net/server';
import { Channel, type Link } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * Sends each joiner (the creator aside) a byte on its link from onJoin, and keeps the link; 'ping' sends
 * a byte on each kept link.
 */
class LinkInOnJoinRoom extends Room {
  static inOnJoin: Array<{ state: string; taken: boolean }> = [];
  static kept: Link[] = [];
  static taken: boolean[] = [];
  static reset(): void {
    LinkInOnJoinRoom.inOnJoin = [];
    LinkInOnJoinRoom.kept = [];
    LinkInOnJoinRoom.taken = [];
  }
  override onCreate(): void {
    this.onMessage('ping', v.unknown(), () => {
      LinkInOnJoinRoom.taken = LinkInOnJoinRoom.kept.map((link) =>
        link.send(Channel.dispatch, Uint8Array.of(7)),
      );
    });
  }
  override async onJoin(client: RoomClient): Promise<void> {
    if (this.clients.length === 0) return;
    const link = client.link;
    LinkInOnJoinRoom.kept.push(link);
    await sleep(20);
    LinkInOnJoinRoom.inOnJoin.push({
      state: link.state,
      taken: link.send(Channel.dispatch, Uint8Array.of(5)),
    });
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("a room that sends on a joiner's link before it has accepted the join", () => {
  it('is refused until the join is answered: the player hears nothing ahead of it; a kept link works once seated', async () => {
    LinkInOnJoinRoom.reset();
    t = await startServer({ linkInOnJoin: LinkInOnJoinRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('linkInOnJoin');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    let answered = false;
    const heard: string[] = [];
    bob.serverLink.onMessage((_channel, bytes) =>
      heard.push(`${bytes[0]}${answered ? '' : ' before the answer'}`),
    );
    await bob.join(room.roomId);
    answered = true;
    await sleep(50);
    expect(heard).toEqual([]);
    expect(LinkInOnJoinRoom.inOnJoin).toEqual([{ state: 'connecting', taken: false }]);
    room.send('ping', {});
    await eventually(() => LinkInOnJoinRoom.taken.length === 1, 'the room sent');
    expect(LinkInOnJoinRoom.taken).toEqual([true]);
    await eventually(() => heard.length === 1, 'Bob heard the ping');
    expect(heard).toEqual(['7']);
  });
});
