import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('room.leave() while a join of another room is on its way', () => {
  it('leaves the player seated in the room that join seats them in', async () => {
    t = await startServer({ test: TestRoom });
    const [host, player] = [t.client(), t.client()];
    await Promise.all([host.connect(), player.connect()]);
    const other = await host.create('test');
    const first = await player.create('test');
    // "Play again": the next room is asked for, and the screen of the last one leaves it as it closes.
    const joining = player.join(other.roomId);
    await first.leave();
    const joined = await joining;
    const seated = () => other.members.some((member) => member.playerId === player.playerId);
    await eventually(seated, 'the host to see the player join');
    await sleep(200);
    // The server took the leave after the join: the player was put out of the room it had just joined.
    expect(other.members.map((m) => m.playerId)).toContain(player.playerId);
    expect(joined.left).toBe(false);
    expect(player.room).toBe(joined);
    await Promise.all([host.close(), player.close()]);
  });
});
