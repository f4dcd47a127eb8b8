import { ErrorCode } from 'vehikill-net/protocol';
import { CountingMetrics, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

/** Refuses `{ refuse: true }` in words for the player; a name over 16 bytes fails as a too-narrow field would. */
class NameTagRoom extends Room {
  override onJoin(client: RoomClient, options: unknown): void {
    if ((options as { refuse?: boolean } | undefined)?.refuse) throw new Error('this table is for members');
    const bytes = new TextEncoder().encode(client.name).length;
    if (bytes > 16) throw new RangeError(`vehicle.name: text is ${bytes} UTF-8 bytes, at most 16 fit`);
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
});

describe('a throw from onJoin', () => {
  it('refuses the join with its message; one of JavaScript’s own errors is also logged and counted', async () => {
    const metrics = new CountingMetrics();
    t = await startServer({ tags: NameTagRoom }, { metrics });
    const logged: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    const [owner, refused, faulted] = [
      t.client({ name: 'Ada' }),
      t.client({ name: 'Bob' }),
      t.client({ name: 'Александра Петрова' }),
    ];
    await Promise.all([owner.connect(), refused.connect(), faulted.connect()]);
    const room = await owner.create('tags');

    // A refusal in the room's own words: the player reads them, and nothing is logged.
    await expect(refused.join(room.roomId, { refuse: true })).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
      message: 'this table is for members',
    });
    expect(logged).toEqual([]);
    expect(metrics.total('room_hook_errors_total', { hook: 'onJoin' })).toBe(0);

    // A fault of the room's code: refused as documented, with its message, and the operator hears of it.
    await expect(faulted.join(room.roomId)).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
      message: 'vehicle.name: text is 35 UTF-8 bytes, at most 16 fit',
    });
    expect(metrics.total('room_hook_errors_total', { hook: 'onJoin' })).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`room 'tags' ${room.roomId}, player ${faulted.playerId}`);
    expect(logged[0]).toContain('onJoin threw a RangeError; the join is refused');
    expect(room.members.map((member) => member.playerId)).toEqual([owner.playerId]);
  });
});
