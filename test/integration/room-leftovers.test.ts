import * as v from 'valibot';
import { Kind } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Keeps every client it saw; 'poke' sends each one a message: references kept past a leave. */
class KeepingRoom extends Room {
  static kept: RoomClient[] = [];
  override onCreate(): void {
    this.onMessage('poke', v.unknown(), (sender) => {
      for (const client of KeepingRoom.kept) client.send('poked', { by: sender.playerId });
    });
  }
  override onJoin(client: RoomClient): void {
    KeepingRoom.kept.push(client);
  }
}

describe('a room that sends to a client who has left', () => {
  it('reaches them no more: nothing is sent or queued for the player', async () => {
    t = await startServer({ keep: KeepingRoom });
    const alice = t.client();
    await alice.connect();
    const room = await alice.create('keep');
    const bob = await rawMember(t, room.roomId);
    bob.send(Kind.LeaveRoom, { rid: 2 });
    await eventually(() => bob.received(Kind.Response).length === 2, 'left');
    const poked: unknown[] = [];
    room.onMessage('poked', (data) => poked.push(data));
    room.send('poke', {});
    await eventually(() => poked.length === 1, 'alice poked');
    await sleep(50);
    const toBob = bob.received(Kind.ServerRoomMessage).filter((message) => message.t === 'poked');
    expect(toBob).toEqual([]);
  });
});
