import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
let registry: SlowAnswers | undefined;
afterEach(async () => {
  await t?.close();
  await registry?.close();
  t = undefined;
  registry = undefined;
});

/** A registry whose seat reservations are carried out at once and answered when the test says (`answer`). */
class SlowAnswers extends MemoryRegistry {
  holding = false;
  readonly held: Array<() => void> = [];
  override async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    const taken = await super.reserveSeat(roomId, playerId);
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    return taken;
  }
  answer(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

describe('a room locked while a join is on its way', () => {
  it('does not seat a player whose seat was reserved before the lock', async () => {
    registry = new SlowAnswers();
    t = await startServer({ test: TestRoom }, { registry });
    const [host, late] = [t.client(), t.client()];
    await Promise.all([host.connect(), late.connect()]);
    const room = await host.create('test');
    registry.holding = true;
    const joining = late.join(room.roomId).then(
      () => 'seated',
      (error: { code?: string }) => error.code,
    );
    // The seat is taken in the registry; its answer is on its way (a Redis round trip) as the match starts.
    await eventually(() => registry!.held.length === 1, 'the seat to be reserved');
    room.send('lock', true);
    await sleep(100);
    registry.answer();
    // "A locked room keeps its players but takes no new ones": the player was seated in the locked room.
    expect(await joining).toBe(ErrorCode.ROOM_FULL);
    await sleep(50);
    expect(room.members.map((member) => member.playerId)).toEqual([host.playerId]);
    expect((await registry.getRoom(room.roomId))?.clients).toBe(1);
  });
});
