import { Channel } from 'vehikill-net/client';
import type { RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedClient, eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Each link message as the room that heard it: its id, the sender, the first byte. */
const heard: string[] = [];

class HearingRoom extends TestRoom {
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    if (channel === Channel.phys) heard.push(`${this.roomId} ${client.playerId} ${bytes[0]}`);
  }
}

describe('server link messages reach the room the player sits in', () => {
  it('only that room: none to a room left or moved on from, and none once out of every room', async () => {
    heard.length = 0;
    t = await startServer({ hearing: HearingRoom });
    const [mover, stayer] = await Promise.all([connectedClient(t), connectedClient(t)]);
    const first = await mover.create('hearing');
    await stayer.join(first.roomId);
    const moverId = mover.playerId;
    const stayerId = stayer.playerId;
    const has = (line: string) => () => heard.includes(line);

    mover.serverLink.send(Channel.phys, Uint8Array.of(1));
    await eventually(has(`${first.roomId} ${moverId} 1`), 'the first room hears the mover');

    // Into another room: the first one hears no more of this player, the second hears it all.
    const second = await mover.create('hearing');
    mover.serverLink.send(Channel.phys, Uint8Array.of(2));
    stayer.serverLink.send(Channel.phys, Uint8Array.of(3));
    await eventually(has(`${second.roomId} ${moverId} 2`), 'the second room hears the mover');
    await eventually(has(`${first.roomId} ${stayerId} 3`), 'the first room hears the player who stayed');
    expect(heard).not.toContain(`${first.roomId} ${moverId} 2`);

    // Out of every room: dropped, while the player who stayed is still heard.
    await second.leave();
    mover.serverLink.send(Channel.phys, Uint8Array.of(4));
    stayer.serverLink.send(Channel.phys, Uint8Array.of(5));
    await eventually(
      has(`${first.roomId} ${stayerId} 5`),
      'the first room still hears the player who stayed',
    );
    await sleep(100);
    expect(heard.filter((line) => line.endsWith(' 4'))).toEqual([]);
  });

  it('a room that was closed hears nothing more from its players, and the server goes on', async () => {
    heard.length = 0;
    t = await startServer({ hearing: HearingRoom });
    const client = await connectedClient(t);
    const room = await client.create('hearing');
    client.serverLink.send(Channel.phys, Uint8Array.of(1));
    const playerId = client.playerId;
    await eventually(() => heard.length === 1, 'the room hears its player');
    expect(heard).toEqual([`${room.roomId} ${playerId} 1`]);

    const left = new Promise<string>((resolve) => room.on('leave', ({ reason }) => resolve(reason)));
    const hosted = t.server.rooms.hostedRoom(room.roomId);
    expect(hosted).toBeDefined();
    hosted?.dispose();
    await left;
    client.serverLink.send(Channel.phys, Uint8Array.of(2));
    await sleep(100);
    expect(heard).toEqual([`${room.roomId} ${playerId} 1`]);

    // The same player is heard in the room they join next.
    const next = await client.create('hearing');
    client.serverLink.send(Channel.phys, Uint8Array.of(3));
    await eventually(() => heard.includes(`${next.roomId} ${playerId} 3`), 'the next room hears the player');
  });
});
