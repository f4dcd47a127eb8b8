import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * A room that starts timers on its clock and never cancels them (no `onDispose`), as app code that
 * forgets to is written: a timeout (`timeoutMs`, 150 by default) and an interval; with `{ explode: true }`
 * its timeout throws; with `{ failCreate: true }` its `onCreate` throws after starting them.
 */
class TimedRoom extends TestRoom {
  static ticks = 0;
  static timeouts = 0;
  override onCreate(options: unknown): void {
    const {
      explode,
      failCreate,
      timeoutMs = 150,
    } = (options ?? {}) as { explode?: boolean; failCreate?: boolean; timeoutMs?: number };
    super.onCreate({});
    this.clock.setTimeout(() => {
      TimedRoom.timeouts++;
      if (explode) throw new Error('a timer of the app failed');
    }, timeoutMs);
    this.clock.setInterval(() => TimedRoom.ticks++, 20);
    if (failCreate) throw new Error('not this time');
  }
}

describe('Room.clock', () => {
  it("stops the room's timers when it is disposed, though the app never cancelled them", async () => {
    TimedRoom.ticks = 0;
    TimedRoom.timeouts = 0;
    t = await startServer({ timed: TimedRoom }, { emptyDisposeMs: 10 });
    const client = t.client();
    await client.connect();
    // The timeout must still be pending when the room goes, or it would run, rightly, before: a second,
    // where the create, two ticks, the leave and the disposal take tens of ms, and a loaded machine more
    // than the 150 ms of the default.
    const room = await client.create('timed', { options: { timeoutMs: 1_000 } });
    const createdAt = Date.now(); // the room's timeout is due by createdAt + 1 s
    await eventually(() => TimedRoom.ticks >= 2, 'the interval ticking');
    await room.leave();
    // Empty, the room is disposed 10 ms later; its timeout and its interval must not run after.
    const metrics = t.server.metrics as CountingMetrics;
    await eventually(() => metrics.total('rooms_disposed_total') === 1, 'the room disposed');
    const ticksAtDisposal = TimedRoom.ticks;
    await sleep(Math.max(250, createdAt + 1_250 - Date.now()));
    expect(TimedRoom.timeouts).toBe(0);
    expect(TimedRoom.ticks).toBe(ticksAtDisposal);
  });

  it('stops the timers a room started in an onCreate that then threw', async () => {
    TimedRoom.ticks = 0;
    TimedRoom.timeouts = 0;
    t = await startServer({ timed: TimedRoom });
    const client = t.client();
    await client.connect();
    await expect(client.create('timed', { options: { failCreate: true } })).rejects.toMatchObject({
      message: 'not this time',
    });
    await sleep(250);
    expect(TimedRoom.ticks).toBe(0);
    expect(TimedRoom.timeouts).toBe(0);
  });

  it('counts a timer that throws and keeps the server and its other rooms running', async () => {
    TimedRoom.ticks = 0;
    TimedRoom.timeouts = 0;
    t = await startServer({ timed: TimedRoom });
    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.create('timed', { options: { explode: true } });
    const calm = await bob.create('timed');
    const metrics = t.server.metrics as CountingMetrics;
    await eventually(
      () => metrics.total('room_hook_errors_total', { hook: 'timer' }) === 1,
      'the throw counted',
    );
    const heard: unknown[] = [];
    calm.onMessage('echo', (data) => heard.push(data));
    calm.send('echo', 'still up');
    await eventually(() => heard.length === 1, 'the other room answering');
    expect(heard).toEqual(['still up']);
  });
});
