import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A registry whose seat reservations wait at a gate while `slow` (a registry round trip that takes long). */
class SlowSeatRegistry extends MemoryRegistry {
  slow = false;
  waiting = 0;
  #open: Array<() => void> = [];
  override async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    if (this.slow) {
      this.waiting++;
      await new Promise<void>((resolve) => this.#open.push(resolve));
    }
    return super.reserveSeat(roomId, playerId);
  }
  open(): void {
    this.slow = false;
    for (const resolve of this.#open.splice(0)) resolve();
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A room its creator made and left: empty, its empty-room timer (200 ms) running; a joiner's seat on its way. */
async function emptyRoomWithSlowJoin(options: unknown) {
  const registry = new SlowSeatRegistry();
  t = await startServer({ test: TestRoom }, { registry, emptyDisposeMs: 200 });
  const creator = t.client();
  await creator.connect();
  const room = await creator.create('test');
  await room.leave();
  const joiner = t.client();
  await joiner.connect();
  registry.slow = true;
  const joined = joiner.join(room.roomId, options).catch((error: unknown) => error);
  await eventually(() => registry.waiting === 1, 'the seat reservation under way');
  // The empty-room timer runs out while the reservation is still out.
  await sleep(400);
  registry.open();
  return { joined, joiner, roomId: room.roomId };
}

describe('an empty room with a join whose seat reservation is still out', () => {
  it('is not disposed as empty: the joiner is seated', async () => {
    const { joined, joiner, roomId } = await emptyRoomWithSlowJoin({});
    const room = await joined;
    expect(room).toMatchObject({ roomId });
    expect(joiner.room?.roomId).toBe(roomId);
    await sleep(300);
    expect(t?.server.rooms.roomCount).toBe(1);
  });

  it('is disposed once the join settles, refused, with no one in it', async () => {
    const { joined } = await emptyRoomWithSlowJoin({ refuse: 'not today' });
    expect(await joined).toMatchObject({ code: 'JOIN_REJECTED', message: 'not today' });
    // Its empty time ran out during the join: it goes as the join ends, not another 200 ms later.
    expect(t?.server.rooms.roomCount).toBe(0);
  });
});
