import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { HeldTimerClock } from '../support/held-timer-clock.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
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

/** Used by no other timer of the server: the clock holds the empty-room timer by it. */
const EMPTY_DISPOSE_MS = 43_210;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * A room its creator made and left: empty, its empty-room timer running; a joiner's seat on its way. The
 * timer is the clock's to run: on a busy machine a real one ran out before the join came, and the test
 * was of a room already gone.
 */
async function emptyRoomWithSlowJoin(options: unknown) {
  const registry = new SlowSeatRegistry();
  const clock = new HeldTimerClock(EMPTY_DISPOSE_MS);
  t = await startServer({ test: TestRoom }, { registry, clock, emptyDisposeMs: EMPTY_DISPOSE_MS });
  const creator = t.client();
  await creator.connect();
  const room = await creator.create('test');
  await room.leave();
  await eventually(() => clock.held === 1, 'the empty-room timer started');
  const joiner = t.client();
  await joiner.connect();
  registry.slow = true;
  const joined = joiner.join(room.roomId, options).catch((error: unknown) => error);
  await eventually(() => registry.waiting === 1, 'the seat reservation under way');
  // The empty-room timer runs out while the reservation is still out.
  clock.runHeld();
  registry.open();
  return { joined, joiner, clock, roomId: room.roomId };
}

describe('an empty room with a join whose seat reservation is still out', () => {
  it('is not disposed as empty: the joiner is seated', async () => {
    const { joined, joiner, clock, roomId } = await emptyRoomWithSlowJoin({});
    const room = await joined;
    expect(room).toMatchObject({ roomId });
    expect(joiner.room?.roomId).toBe(roomId);
    // Nor later: no empty-room timer is left to dispose of it with its player in it.
    expect(clock.held).toBe(0);
    expect(t?.server.rooms.roomCount).toBe(1);
  });

  it('is disposed once the join settles, refused, with no one in it', async () => {
    const { joined } = await emptyRoomWithSlowJoin({ refuse: 'not today' });
    expect(await joined).toMatchObject({ code: 'JOIN_REJECTED', message: 'not today' });
    // Its empty time ran out during the join: it goes as the join ends, not after another empty time.
    expect(t?.server.rooms.roomCount).toBe(0);
  });
});
